/**
 * The Blynk templates of the simulated organization: their numeric and string ids, events, datastreams and
 * metafields. Fixed (not seeded): every fleet uses the same six templates.
 */

export type BlynkEventType = "INFORMATION" | "WARNING" | "CRITICAL" | "CONTENT";
export const BLYNK_EVENT_TYPES: readonly BlynkEventType[] = ["INFORMATION", "WARNING", "CRITICAL", "CONTENT"];

export type MetaType = "Text" | "Number" | "Switch" | "List" | "Contact" | "Location" | "DeviceName" | "DeviceOwner" | "Email" | "Range";

export interface MetaFieldDef {
  id: number;
  name: string;
  type: MetaType;
  isRequired: boolean;
  includeInProvisioning: boolean;
  /** Number */
  min?: number;
  max?: number;
  step?: number;
  /** Switch: the two labels (off, on) */
  from?: string;
  to?: string;
  /** List */
  options?: string[];
}

export interface EventDef {
  id: number;
  code: string;
  name: string;
  type: BlynkEventType;
  description: string;
}

/** The data types of a Blynk datastream (blynk-datastreams.md §8). */
export type DataStreamType = "INT" | "DOUBLE" | "STRING" | "BOOLEAN" | "ENUM" | "LOCATION";

/** A stored datastream value: a number (INT, DOUBLE, BOOLEAN as 0/1, ENUM), a string, or [lon, lat]. */
export type DataStreamValue = number | string | [number, number];

export interface DataStreamDef {
  id: number;
  /** Lower case, as the device and the values endpoints spell it (`v5`); the template renders the number. */
  pin: string;
  label: string;
  alias: string;
  type: DataStreamType;
  units?: string;
  /** Numbers: written values are cropped to min..max, as Blynk does; generated values lie within it. */
  min: number;
  max: number;
  decimals: number;
  /** ENUM: the labels of the values 0, 1, 2, … */
  options?: string[];
  /** The same value on every device that ever reported (no seeded draw: the generated fleet stays as it was). */
  initial?: DataStreamValue;
}

export interface TemplateDef {
  id: number;
  originalTemplateId: number;
  /** The string template id (`TMPL…`) that POST /device/create takes and firmware embeds. */
  templateId: string;
  name: string;
  /** Used in generated device names. */
  short: string;
  serialPrefix: string;
  boardType: string;
  blynkVersion: string;
  firmware: string[];
  rooms: string[];
  events: EventDef[];
  dataStreams: DataStreamDef[];
  metaFields: MetaFieldDef[];
  /** Share of the generated fleet. */
  weight: number;
}

const deviceName: MetaFieldDef = { id: 1, name: "Device Name", type: "DeviceName", isRequired: true, includeInProvisioning: true };
const deviceOwner: MetaFieldDef = { id: 2, name: "Device Owner", type: "DeviceOwner", isRequired: false, includeInProvisioning: false };
const serial: MetaFieldDef = { id: 3, name: "Serial Number", type: "Text", isRequired: true, includeInProvisioning: false };
const ROOMS = ["Living Room", "Bedroom", "Kitchen", "Office", "Hallway", "Guest Room", "Nursery", "Loft", "Walk-in Closet", "Dining Room"];

const thermostatEvents = (base: number): EventDef[] => [
  { id: base + 1, code: "high_temperature", name: "High temperature", type: "WARNING", description: "Temperature exceeded the configured threshold" },
  { id: base + 2, code: "low_battery", name: "Low battery", type: "WARNING", description: "Battery level is below 15%" },
  { id: base + 3, code: "door_open", name: "Door open", type: "INFORMATION", description: "A door or window was opened while heating" },
  { id: base + 4, code: "sensor_fault", name: "Sensor fault", type: "CRITICAL", description: "The temperature sensor stopped answering" },
];
const thermostatStreams: DataStreamDef[] = [
  { id: 1, pin: "v0", label: "Temperature", alias: "Temperature", type: "DOUBLE", units: "Celsius", min: 15, max: 28, decimals: 1 },
  { id: 2, pin: "v1", label: "Humidity", alias: "Humidity", type: "INT", units: "Percentage", min: 30, max: 70, decimals: 0 },
  { id: 3, pin: "v5", label: "Setpoint", alias: "Target Temperature", type: "DOUBLE", units: "Celsius", min: 5, max: 30, decimals: 1 },
  { id: 4, pin: "v3", label: "Heating", alias: "Heating On", type: "INT", min: 0, max: 1, decimals: 0 },
  { id: 5, pin: "v4", label: "Mode", alias: "Mode", type: "ENUM", min: 0, max: 3, decimals: 0, options: ["Off", "Heat", "Eco", "Auto"], initial: 3 },
  { id: 6, pin: "v6", label: "Display", alias: "Display Text", type: "STRING", min: 0, max: 0, decimals: 0, initial: "Auto" },
  { id: 7, pin: "v7", label: "Position", alias: "Position", type: "LOCATION", min: 0, max: 0, decimals: 0, initial: [13.38886, 52.517037] },
];
const thermostatMeta: MetaFieldDef[] = [
  deviceName,
  deviceOwner,
  serial,
  { id: 4, name: "Room", type: "List", isRequired: false, includeInProvisioning: true, options: ["Living Room", "Bedroom", "Kitchen", "Office", "Hallway", "Bathroom"] },
  { id: 5, name: "Max Temperature", type: "Number", isRequired: false, includeInProvisioning: false, min: 5, max: 35, step: 0.5 },
  { id: 6, name: "Eco Mode", type: "Switch", isRequired: false, includeInProvisioning: false, from: "Off", to: "On" },
  { id: 7, name: "Comfort Hours", type: "Range", isRequired: false, includeInProvisioning: false },
  { id: 8, name: "Installation Address", type: "Location", isRequired: false, includeInProvisioning: true },
  { id: 9, name: "Service Contact", type: "Contact", isRequired: false, includeInProvisioning: false },
  { id: 10, name: "Support Email", type: "Email", isRequired: false, includeInProvisioning: false },
];

export const BLYNK_TEMPLATES: readonly TemplateDef[] = [
  {
    id: 353,
    originalTemplateId: 353,
    templateId: "TMPL4cT7hQmR2",
    name: "Smart Thermostat",
    short: "Thermostat",
    serialPrefix: "TS",
    boardType: "ESP32",
    blynkVersion: "1.3.2",
    firmware: ["1.2.0", "1.3.1", "1.4.0"],
    rooms: ROOMS,
    events: thermostatEvents(3530),
    dataStreams: thermostatStreams,
    metaFields: thermostatMeta,
    weight: 30,
  },
  {
    id: 358,
    originalTemplateId: 353,
    templateId: "TMPL4cT7hQmR9",
    name: "Smart Thermostat Pro",
    short: "Thermostat Pro",
    serialPrefix: "TP",
    boardType: "ESP32-S3",
    blynkVersion: "1.3.2",
    firmware: ["2.0.1", "2.1.0"],
    rooms: ROOMS,
    events: [...thermostatEvents(3580), { id: 3585, code: "schedule_override", name: "Schedule override", type: "INFORMATION", description: "The schedule was overridden by hand" }],
    dataStreams: thermostatStreams,
    metaFields: thermostatMeta,
    weight: 8,
  },
  {
    id: 354,
    originalTemplateId: 354,
    templateId: "TMPLx8eN3rgY1",
    name: "Energy Meter",
    short: "Energy Meter",
    serialPrefix: "EM",
    boardType: "ESP32-S3",
    blynkVersion: "1.3.2",
    firmware: ["2.0.4", "2.1.0"],
    rooms: ["Utility Room", "Garage", "Basement", "Plant Room", "Hallway"],
    events: [
      { id: 3541, code: "overload", name: "Overload", type: "WARNING", description: "Power draw above the rated load" },
      { id: 3542, code: "power_outage", name: "Power outage", type: "CRITICAL", description: "Mains supply lost" },
      { id: 3543, code: "tamper_alert", name: "Tamper alert", type: "CRITICAL", description: "The meter cover was opened" },
      { id: 3544, code: "tariff_changed", name: "Tariff changed", type: "INFORMATION", description: "A new tariff period started" },
    ],
    dataStreams: [
      { id: 1, pin: "v0", label: "Power", alias: "Power W", type: "INT", units: "Watt", min: 0, max: 9000, decimals: 0 },
      { id: 2, pin: "v1", label: "Voltage", alias: "Voltage V", type: "DOUBLE", units: "Volt", min: 220, max: 245, decimals: 1 },
      { id: 3, pin: "v2", label: "Energy", alias: "Energy kWh", type: "DOUBLE", units: "KiloWattHour", min: 0, max: 20000, decimals: 2 },
      { id: 4, pin: "v3", label: "Current", alias: "Current A", type: "DOUBLE", units: "Ampere", min: 0, max: 40, decimals: 2 },
    ],
    metaFields: [
      deviceName,
      deviceOwner,
      serial,
      { id: 4, name: "Tariff", type: "List", isRequired: false, includeInProvisioning: true, options: ["Standard", "Economy 7", "Agile", "Flux"] },
      { id: 5, name: "CT Ratio", type: "Number", isRequired: false, includeInProvisioning: false, min: 1, max: 100, step: 1 },
      { id: 6, name: "Installation Address", type: "Location", isRequired: false, includeInProvisioning: true },
      { id: 7, name: "Installer", type: "Contact", isRequired: false, includeInProvisioning: false },
    ],
    weight: 20,
  },
  {
    id: 355,
    originalTemplateId: 355,
    templateId: "TMPLw4t3rLk07",
    name: "Water Leak Sensor",
    short: "Leak Sensor",
    serialPrefix: "WL",
    boardType: "ESP8266",
    blynkVersion: "1.2.0",
    firmware: ["1.0.3", "1.1.0"],
    rooms: ["Kitchen", "Bathroom", "Utility Room", "Basement", "Boiler Room"],
    events: [
      { id: 3551, code: "leak_detected", name: "Leak detected", type: "CRITICAL", description: "Water detected under the sensor" },
      { id: 3552, code: "low_battery", name: "Low battery", type: "WARNING", description: "Battery level is below 10%" },
      { id: 3553, code: "sensor_offline", name: "Sensor offline", type: "WARNING", description: "No report for 24 hours" },
    ],
    dataStreams: [
      { id: 1, pin: "v0", label: "Leak", alias: "Leak", type: "BOOLEAN", min: 0, max: 1, decimals: 0 },
      { id: 2, pin: "v1", label: "Battery", alias: "Battery %", type: "INT", units: "Percentage", min: 5, max: 100, decimals: 0 },
      { id: 3, pin: "v2", label: "Signal", alias: "RSSI dBm", type: "INT", min: -90, max: -40, decimals: 0 },
    ],
    metaFields: [
      deviceName,
      deviceOwner,
      serial,
      { id: 4, name: "Zone", type: "Text", isRequired: false, includeInProvisioning: true },
      { id: 5, name: "Alert Contact", type: "Contact", isRequired: false, includeInProvisioning: false },
      { id: 6, name: "Notify Email", type: "Email", isRequired: false, includeInProvisioning: false },
    ],
    weight: 17,
  },
  {
    id: 356,
    originalTemplateId: 356,
    templateId: "TMPLa1rQu4l1T",
    name: "Air Quality Monitor",
    short: "Air Monitor",
    serialPrefix: "AQ",
    boardType: "ESP32-C3",
    blynkVersion: "1.3.2",
    firmware: ["3.0.0", "3.0.2"],
    rooms: ROOMS,
    events: [
      { id: 3561, code: "co2_high", name: "CO2 high", type: "WARNING", description: "CO2 above the threshold: open a window" },
      { id: 3562, code: "pm25_high", name: "PM2.5 high", type: "WARNING", description: "Fine particles above 35 µg/m³" },
      { id: 3563, code: "filter_replace", name: "Replace filter", type: "INFORMATION", description: "The filter reached its service life" },
    ],
    dataStreams: [
      { id: 1, pin: "v0", label: "CO2", alias: "CO2 ppm", type: "INT", units: "PartsPerMillion", min: 400, max: 1800, decimals: 0 },
      { id: 2, pin: "v1", label: "PM2.5", alias: "PM2.5", type: "DOUBLE", min: 0, max: 80, decimals: 1 },
      { id: 3, pin: "v2", label: "Temperature", alias: "Temperature", type: "DOUBLE", units: "Celsius", min: 16, max: 28, decimals: 1 },
      { id: 4, pin: "v3", label: "Humidity", alias: "Humidity", type: "INT", units: "Percentage", min: 25, max: 70, decimals: 0 },
    ],
    metaFields: [
      deviceName,
      deviceOwner,
      serial,
      { id: 4, name: "Room", type: "List", isRequired: false, includeInProvisioning: true, options: ["Living Room", "Bedroom", "Kitchen", "Office", "Classroom", "Meeting Room"] },
      { id: 5, name: "CO2 Threshold", type: "Number", isRequired: false, includeInProvisioning: false, min: 600, max: 2000, step: 50 },
      { id: 6, name: "Placement", type: "Switch", isRequired: false, includeInProvisioning: false, from: "Outdoor", to: "Indoor" },
      { id: 7, name: "Installation Address", type: "Location", isRequired: false, includeInProvisioning: true },
    ],
    weight: 15,
  },
  {
    id: 357,
    originalTemplateId: 357,
    templateId: "TMPLsPlug9x2K",
    name: "Smart Plug",
    short: "Smart Plug",
    serialPrefix: "SP",
    boardType: "ESP8266",
    blynkVersion: "1.2.0",
    firmware: ["1.5.2"],
    rooms: ["Living Room", "Kitchen", "Office", "Garage", "Bedroom", "Workshop"],
    events: [
      { id: 3571, code: "overcurrent", name: "Overcurrent", type: "CRITICAL", description: "Load above 16 A: relay switched off" },
      { id: 3572, code: "power_on", name: "Power on", type: "INFORMATION", description: "The relay was switched on" },
      { id: 3573, code: "power_off", name: "Power off", type: "INFORMATION", description: "The relay was switched off" },
    ],
    dataStreams: [
      { id: 1, pin: "v0", label: "Power", alias: "Power W", type: "INT", units: "Watt", min: 0, max: 3000, decimals: 0 },
      { id: 2, pin: "v1", label: "Relay", alias: "Relay", type: "BOOLEAN", min: 0, max: 1, decimals: 0 },
    ],
    metaFields: [
      deviceName,
      deviceOwner,
      serial,
      { id: 4, name: "Max Load", type: "Number", isRequired: false, includeInProvisioning: false, min: 100, max: 3680, step: 10 },
      { id: 5, name: "Default State", type: "Switch", isRequired: false, includeInProvisioning: false, from: "Off", to: "On" },
    ],
    weight: 10,
  },
];

export interface LifecycleStatus {
  eventId: number;
  name: string;
  icon: string;
  color: string;
}

export const LIFECYCLE: Record<"new" | "service" | "maintenance" | "decommissioned", LifecycleStatus> = {
  new: { eventId: 1, name: "New", icon: "sparkles", color: "#1E88E5" },
  service: { eventId: 2, name: "In Service", icon: "check-circle", color: "#43A047" },
  maintenance: { eventId: 3, name: "Maintenance", icon: "wrench", color: "#FB8C00" },
  decommissioned: { eventId: 4, name: "Decommissioned", icon: "archive", color: "#757575" },
};

export interface LocationValue {
  siteName: string;
  streetAddress: string;
  city: string;
  state: string;
  zip: string;
  country: string;
  lat: number;
  lon: number;
}

export const LOCATIONS: readonly LocationValue[] = [
  { siteName: "Head Office", streetAddress: "12 Harbour Street", city: "Bristol", state: "England", zip: "BS1 4RN", country: "United Kingdom", lat: 51.4508, lon: -2.5965 },
  { siteName: "North Depot", streetAddress: "4 Mill Lane", city: "Leeds", state: "England", zip: "LS1 5AB", country: "United Kingdom", lat: 53.7961, lon: -1.5479 },
  { siteName: "Riverside Flats", streetAddress: "88 Quay Road", city: "Glasgow", state: "Scotland", zip: "G3 8LT", country: "United Kingdom", lat: 55.8617, lon: -4.2806 },
  { siteName: "Oak House", streetAddress: "7 Oak Avenue", city: "Cardiff", state: "Wales", zip: "CF10 1EP", country: "United Kingdom", lat: 51.4816, lon: -3.1791 },
  { siteName: "Lakeside School", streetAddress: "201 Lake Drive", city: "Manchester", state: "England", zip: "M4 6FS", country: "United Kingdom", lat: 53.4808, lon: -2.2426 },
  { siteName: "Werkstatt Ost", streetAddress: "Hauptstraße 15", city: "Berlin", state: "Berlin", zip: "10115", country: "Germany", lat: 52.52, lon: 13.405 },
  { siteName: "Atelier Nord", streetAddress: "3 Rue des Fleurs", city: "Lille", state: "Hauts-de-France", zip: "59000", country: "France", lat: 50.6292, lon: 3.0573 },
  { siteName: "Canal Studio", streetAddress: "Prinsengracht 263", city: "Amsterdam", state: "Noord-Holland", zip: "1016 GV", country: "Netherlands", lat: 52.3752, lon: 4.8839 },
];

export interface ContactValue {
  contact: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  streetAddress: string;
  city: string;
  state: string;
  zip: string;
  country: string;
}

export const CONTACTS: readonly ContactValue[] = [
  { contact: "Service desk", firstName: "Priya", lastName: "Shah", email: "priya.shah@example.com", phone: "+44 20 7946 0011", streetAddress: "12 Harbour Street", city: "Bristol", state: "England", zip: "BS1 4RN", country: "United Kingdom" },
  { contact: "Installer", firstName: "Tom", lastName: "Baker", email: "tom.baker@example.com", phone: "+44 113 496 0022", streetAddress: "4 Mill Lane", city: "Leeds", state: "England", zip: "LS1 5AB", country: "United Kingdom" },
  { contact: "Facilities", firstName: "Aisha", lastName: "Khan", email: "aisha.khan@example.com", phone: "+44 141 496 0033", streetAddress: "88 Quay Road", city: "Glasgow", state: "Scotland", zip: "G3 8LT", country: "United Kingdom" },
  { contact: "On call", firstName: "Lukas", lastName: "Meyer", email: "lukas.meyer@example.com", phone: "+49 30 901820", streetAddress: "Hauptstraße 15", city: "Berlin", state: "Berlin", zip: "10115", country: "Germany" },
  { contact: "Landlord", firstName: "Claire", lastName: "Dubois", email: "claire.dubois@example.com", phone: "+33 3 20 00 00 44", streetAddress: "3 Rue des Fleurs", city: "Lille", state: "Hauts-de-France", zip: "59000", country: "France" },
];

export const RANGES: readonly { from: number; to: number }[] = [
  { from: 6 * 3600, to: 22 * 3600 },
  { from: 7 * 3600, to: 23 * 3600 },
  { from: 6 * 3600 + 1800, to: 21 * 3600 + 1800 },
  { from: 8 * 3600, to: 18 * 3600 },
];

export const SUPPORT_EMAILS = ["support@example.com", "alerts@example.com", "facilities@example.org", "ops@example.net"];
export const ZONES = ["Basement", "Kitchen", "Utility Room", "Bathroom", "Garage", "Boiler Room"];
