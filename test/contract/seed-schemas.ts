/**
 * JSON Schemas of the Flatpeak answers the seed pages describe and the published OpenAPI (zero) does not:
 * transcribed field by field from seed 001 (the newest `GET /devices`), seed 002 (busbar `GET /devices/{id}`,
 * its "required" marks kept) and seed 003 (busbar `GET /sites`). Objects are closed: a field the seed does not
 * name fails, so a shape of another release cannot pass for this one.
 */
const str = { type: "string" };
const num = { type: "number" };
const bool = { type: "boolean" };
const dateTime = { type: "string", format: "date-time" };

function closed(properties: Record<string, unknown>, required: string[] = []): Record<string, unknown> {
  return { type: "object", properties, required, additionalProperties: false };
}

/** Seed 002: DeviceProperties. */
const busbarProperties = closed({
  power_rating_import_kwh: num,
  capacity_kwh: num,
  power_rating_export_kwh: num,
  pv_azimuth: num,
  pv_tilt: num,
  pv_terrain_shading: bool,
  pv_forecasts_enabled: bool,
  install_date: dateTime,
});

/** Seed 002: the busbar device, with its required fields. */
export const busbarDevice = closed(
  {
    id: str,
    object: { const: "device" },
    live_mode: bool,
    reference_id: str,
    locations: { type: "array", items: { type: "string", pattern: "^loc_" } },
    manufacturer: str,
    model_code: str,
    model_name: str,
    time_created: str,
    account_id: str,
    properties: busbarProperties,
    last_seen: dateTime,
    flex_enabled: bool,
  },
  ["id", "object", "live_mode", "reference_id", "locations", "manufacturer", "model_code", "model_name", "time_created", "account_id"],
);

/** Seed 001: the newest device (its example; the page marks no field required beyond what it shows for all). */
export const yottaDevice = closed(
  {
    id: str,
    object: { const: "device" },
    live_mode: bool,
    controlled: bool,
    properties: closed(
      {
        manufacturer: str,
        model_code: str,
        model_name: str,
        battery: closed({ capacity_kwh: num, power_kw: num, charge_power_kw: num, discharge_power_kw: num, round_trip_efficiency: num }),
        pv: closed({ peak_power_kw: num, azimuth: num, tilt: num, terrain_shading: bool, forecasts_enabled: bool }),
        inverter: closed({ ac_export_limit_kw: num }),
        ev_charger: closed({ max_power_kw: num, min_power_kw: num, phases: { type: "integer" }, phase_switching: bool, v2g_capable: bool }),
        heat_pump: closed({ max_power_kw: num, min_power_kw: num, thermal_storage_litres: num }),
        install_date: dateTime,
      },
      ["manufacturer", "model_code", "model_name"],
    ),
    consents: closed(
      { time_updated: dateTime, time_created: dateTime, information: bool, telemetry: bool, control: bool, geo_location: bool },
      ["information", "telemetry", "control", "geo_location"],
    ),
    timezone: str,
    geo_location: closed({ lat: num, lng: num }, ["lat", "lng"]),
    vpp_participation: closed({ id: str, provider_name: str, programme_name: str, current_state: str, telemetry_active: bool, control_active: bool }),
    time_created: str,
    reference_id: str,
    last_seen: dateTime,
  },
  ["id", "object", "live_mode", "controlled", "properties", "time_created", "reference_id"],
);

/**
 * Seed 003: the busbar site. `reference_id` is not in the seed's example but is what its documented
 * `reference_id` query filters by.
 */
export const busbarSite = closed(
  {
    id: { type: "string", pattern: "^ste_" },
    object: { const: "site" },
    live_mode: bool,
    reference_id: str,
    status: { enum: ["ACTIVE", "INACTIVE"] },
    devices: {
      type: "array",
      items: closed(
        {
          id: str,
          manufacturer: str,
          model_code: str,
          model_name: str,
          time_created: str,
          properties: closed({ power_rating_import_kwh: num, capacity_kwh: num, power_rating_export_kwh: num }),
          last_seen: dateTime,
        },
        ["id", "time_created"],
      ),
    },
    time_created: str,
    account_id: str,
  },
  ["id", "object", "live_mode", "status", "devices", "time_created", "account_id"],
);

/** The list envelope every seed shows (seeds 001 and 003 mark all four required). */
export function listOf(item: Record<string, unknown>, url: string): Record<string, unknown> {
  return closed({ object: { const: "list" }, url: { const: url }, has_more: bool, data: { type: "array", items: item } }, ["object", "url", "has_more", "data"]);
}
