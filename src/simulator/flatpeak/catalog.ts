/** Real products per kind, for the seeded Flatpeak fleet: what each kind's busbar `properties` hold. */
import type { FlatpeakDeviceType } from "./fleet";

export interface CatalogEntry {
  manufacturer: string;
  model_code: string;
  model_name: string;
  /** import rating, capacity, export rating (kW / kWh); undefined: not a property of this kind */
  imp?: number;
  cap?: number;
  exp?: number;
}

export type Kind = "battery" | "pv" | "charger" | "ev" | "heat";

export const KIND_TYPE: Record<Kind, FlatpeakDeviceType> = {
  battery: "BATTERY_SYSTEM",
  pv: "PV_SYSTEM",
  charger: "EV_CHARGER",
  ev: "ELECTRIC_VEHICLE",
  heat: "OTHER",
};
export const KIND_REF: Record<Kind, string> = { battery: "BAT", pv: "PV", charger: "EVC", ev: "EV", heat: "HP" };
export const KINDS: readonly Kind[] = ["battery", "pv", "charger", "ev", "heat"];
export const KIND_WEIGHTS = [30, 25, 20, 10, 15];

export const CATALOG: Record<Kind, CatalogEntry[]> = {
  battery: [
    { manufacturer: "Tesla", model_code: "1707000-21-K", model_name: "Powerwall 3", imp: 5, cap: 13.5, exp: 11.5 },
    { manufacturer: "Tesla", model_code: "3012170-05-C", model_name: "Powerwall 2", imp: 5, cap: 13.5, exp: 5 },
    { manufacturer: "GivEnergy", model_code: "GIV-BAT-9.5", model_name: "Giv-Bat 9.5", imp: 3.6, cap: 9.5, exp: 3.6 },
    { manufacturer: "GivEnergy", model_code: "GIV-AIO-13.5", model_name: "All in One", imp: 6, cap: 13.5, exp: 6 },
    { manufacturer: "sonnen", model_code: "SB10-11", model_name: "sonnenBatterie 10", imp: 4.6, cap: 11, exp: 4.6 },
    { manufacturer: "LG Energy Solution", model_code: "RESU10H-PRIME", model_name: "RESU10H Prime", imp: 5, cap: 9.6, exp: 5 },
    { manufacturer: "BYD", model_code: "HVS-10.2", model_name: "Battery-Box Premium HVS 10.2", imp: 10.2, cap: 10.24, exp: 10.2 },
    { manufacturer: "Huawei", model_code: "LUNA2000-10-S0", model_name: "LUNA2000 10 kWh", imp: 5, cap: 10, exp: 5 },
    { manufacturer: "Fox ESS", model_code: "ECS4100-H4", model_name: "ECS4100", imp: 6, cap: 16.6, exp: 6 },
    { manufacturer: "Nova Systems", model_code: "PICOXN2", model_name: "Pico Ultimate", imp: 14.2, cap: 123, exp: 7 },
  ],
  pv: [
    { manufacturer: "SolarEdge", model_code: "SE5000H-RW000BEN4", model_name: "Home Wave Inverter 5 kW", exp: 5 },
    { manufacturer: "Enphase", model_code: "IQ8M-72-2-INT", model_name: "IQ8M Microinverter System", exp: 4.3 },
    { manufacturer: "Fronius", model_code: "PRIMO-GEN24-6.0-PLUS", model_name: "Primo GEN24 6.0 Plus", exp: 6 },
    { manufacturer: "SMA", model_code: "SB5.0-1AV-41", model_name: "Sunny Boy 5.0", exp: 5 },
    { manufacturer: "Huawei", model_code: "SUN2000-5KTL-L1", model_name: "SUN2000 5 kW Hybrid", exp: 5 },
    { manufacturer: "SolaX Power", model_code: "X1-HYBRID-5.0-D", model_name: "X1-Hybrid G4", exp: 5 },
    { manufacturer: "GivEnergy", model_code: "GIV-HY5.0", model_name: "Hybrid Inverter 5.0", exp: 5 },
  ],
  charger: [
    { manufacturer: "myenergi", model_code: "ZAPPI-2H07UW", model_name: "zappi v2.1", imp: 7.4 },
    { manufacturer: "Ohme", model_code: "OHME-HP-7", model_name: "Home Pro", imp: 7.4 },
    { manufacturer: "Wallbox", model_code: "PLP1-0-2-4-9-002", model_name: "Pulsar Plus", imp: 7.4 },
    { manufacturer: "Wallbox", model_code: "QSX2-EU-7", model_name: "Quasar 2", imp: 7.4, exp: 7.4 },
    { manufacturer: "Easee", model_code: "1HE1", model_name: "Easee One", imp: 22 },
    { manufacturer: "Pod Point", model_code: "S7-UC-05", model_name: "Solo 3", imp: 7 },
    { manufacturer: "Hypervolt", model_code: "HV-HOME3-PRO", model_name: "Home 3 Pro", imp: 7.4 },
    { manufacturer: "Tesla", model_code: "1734412-02-F", model_name: "Wall Connector Gen 3", imp: 11 },
  ],
  ev: [
    { manufacturer: "Tesla", model_code: "MODEL3-LR-2024", model_name: "Model 3 Long Range", imp: 11, cap: 75 },
    { manufacturer: "Nissan", model_code: "ZE1-62", model_name: "Leaf e+", imp: 6.6, cap: 59 },
    { manufacturer: "Volkswagen", model_code: "E11-77", model_name: "ID.3 Pro S", imp: 11, cap: 77 },
    { manufacturer: "Kia", model_code: "CV-77", model_name: "EV6 Long Range", imp: 10.9, cap: 77.4 },
    { manufacturer: "MG Motor", model_code: "MG4-64", model_name: "MG4 Long Range", imp: 11, cap: 64 },
    { manufacturer: "BMW", model_code: "I4-EDRIVE40", model_name: "i4 eDrive40", imp: 11, cap: 80.7 },
  ],
  heat: [
    { manufacturer: "Mitsubishi Electric", model_code: "PUZ-WM85VAA", model_name: "Ecodan 8.5 kW", imp: 2.8 },
    { manufacturer: "Daikin", model_code: "EDLA08E3V3", model_name: "Altherma 3 H HT 8 kW", imp: 2.6 },
    { manufacturer: "Vaillant", model_code: "VWL 75/6 A", model_name: "aroTHERM plus 7 kW", imp: 2.3 },
    { manufacturer: "Samsung", model_code: "AE080RXYDEG", model_name: "EHS Mono 8 kW", imp: 2.7 },
    { manufacturer: "Octopus Energy", model_code: "COSY-6", model_name: "Cosy 6", imp: 2 },
    { manufacturer: "Mixergy", model_code: "MX-210-SOLAR", model_name: "Mixergy Tank 210L", imp: 3 },
  ],
};

