/** Organization: the profile of the organization the token belongs to. */
import type { BlynkRoom } from "./http";
import { PREFIX, type BlynkOrg } from "./model";

export const organizationRoom: BlynkRoom = [
  {
    method: "GET",
    path: `${PREFIX}/profile`,
    handle(_req, p, f) {
      const o = f.orgs.find((x) => x.id === p.orgId) as BlynkOrg;
      return {
        status: 200,
        body: {
          id: o.id,
          name: o.name,
          description: "Organization of the device cloud simulator",
          parentOrganizationId: o.parentOrganizationId,
          isActive: true,
          tz: "Europe/London",
          unitSystem: "METRIC",
          phoneNumber: "+44 20 7946 0000",
          address: { streetAddress: "12 Harbour Street", city: "Bristol", state: "England", zip: "BS1 4RN", country: "United Kingdom" },
          lastModifiedTs: f.startTime,
        },
      };
    },
  },
];
