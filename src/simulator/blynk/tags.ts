/** Tags: the tags of a device. */
import { withDevice, type BlynkRoom } from "./http";
import { PREFIX, type BlynkTag } from "./model";

export const tagsRoom: BlynkRoom = [
  {
    method: "GET",
    path: `${PREFIX}/device/tags`,
    handle: (req, _p, f) => withDevice(f, req, (d) => ({ status: 200, body: d.tags.map((id) => ({ ...(f.tagById.get(id) as BlynkTag) })) })),
  },
];
