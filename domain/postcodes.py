"""Travel between practices, estimated from postcodes (the mentee travels to the mentor).

No postcode data is fetched at run time. The table below holds hand-made, approximate
centroids of the 4-digit postcode areas of Zuidoost-Brabant (to a few hundred metres,
good enough to tell 5 km from 25 km). Outside the table the estimate falls back to a
rough centroid of the 2-digit postcode region, and beyond that to the numeric distance
of the postcodes. Distances are straight lines (haversine), not road kilometres.
The table lives in code, not in a data file, so the domain stays free of I/O.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from enum import StrEnum
from typing import NamedTuple

import numpy as np

EARTH_RADIUS_KM = 6371.0088

_POSTCODE = re.compile(r"^\s*([1-9][0-9]{3})\s*([A-Za-z]{2})?\s*$")


class Place(NamedTuple):
    lat: float
    lon: float
    name: str


# 4-digit postcode areas of Zuidoost-Brabant (approximate centroids).
AREAS: dict[str, Place] = {
    # Eindhoven
    "5611": Place(51.4380, 5.4770, "Eindhoven Binnenstad"),
    "5612": Place(51.4470, 5.4870, "Eindhoven TU/e, Witte Dame"),
    "5613": Place(51.4380, 5.4920, "Eindhoven Tongelre-west"),
    "5614": Place(51.4300, 5.4850, "Eindhoven Stratum"),
    "5615": Place(51.4290, 5.4690, "Eindhoven Stratum-west"),
    "5616": Place(51.4400, 5.4560, "Eindhoven Strijp-S"),
    "5617": Place(51.4300, 5.4490, "Eindhoven Philipsdorp"),
    "5621": Place(51.4620, 5.4780, "Eindhoven Woensel-Zuid"),
    "5622": Place(51.4620, 5.4630, "Eindhoven Woensel-west"),
    "5623": Place(51.4700, 5.4800, "Eindhoven Oud-Woensel"),
    "5624": Place(51.4600, 5.4960, "Eindhoven Woensel-oost"),
    "5625": Place(51.4740, 5.4590, "Eindhoven Woensel"),
    "5626": Place(51.4870, 5.4640, "Eindhoven Achtse Barrier"),
    "5627": Place(51.4800, 5.4860, "Eindhoven Woensel-Noord"),
    "5628": Place(51.4900, 5.4880, "Eindhoven Vaartbroek"),
    "5629": Place(51.4820, 5.5030, "Eindhoven Eckart"),
    "5631": Place(51.4530, 5.5010, "Eindhoven Karpen"),
    "5632": Place(51.4560, 5.5160, "Eindhoven Tongelre"),
    "5641": Place(51.4390, 5.5120, "Eindhoven Doornakkers"),
    "5642": Place(51.4420, 5.5260, "Eindhoven Urkhoven"),
    "5643": Place(51.4200, 5.4950, "Eindhoven Putten"),
    "5644": Place(51.4120, 5.4810, "Eindhoven Gijzenrooi"),
    "5645": Place(51.4080, 5.4900, "Eindhoven Roostenlaan"),
    "5646": Place(51.4170, 5.5100, "Eindhoven Tongelresche Akkers"),
    "5651": Place(51.4500, 5.4470, "Eindhoven Strijp"),
    "5652": Place(51.4390, 5.4290, "Eindhoven Strijp-zuid"),
    "5653": Place(51.4290, 5.4340, "Eindhoven Genderbeemd"),
    "5654": Place(51.4140, 5.4470, "Eindhoven Gestel"),
    "5655": Place(51.4190, 5.4610, "Eindhoven Kortonjo"),
    "5656": Place(51.4210, 5.4170, "Eindhoven Sterrenlaan"),
    "5657": Place(51.4560, 5.4190, "Eindhoven Airport"),
    "5658": Place(51.4420, 5.4000, "Eindhoven Meerhoven"),
    # Veldhoven, Waalre, Valkenswaard, Kempen
    "5501": Place(51.4180, 5.4030, "Veldhoven-dorp"),
    "5502": Place(51.4090, 5.3950, "Veldhoven Zonderwijk"),
    "5503": Place(51.4050, 5.4090, "Veldhoven Meiveld"),
    "5504": Place(51.4180, 5.3850, "Veldhoven Centrum"),
    "5505": Place(51.4020, 5.3780, "Veldhoven Cobbeek"),
    "5506": Place(51.4250, 5.3720, "Veldhoven Oerle"),
    "5507": Place(51.4300, 5.3840, "Veldhoven Zilverackers"),
    "5508": Place(51.4080, 5.3670, "Veldhoven Zeelst"),
    "5509": Place(51.3960, 5.3860, "Veldhoven Polders"),
    "5511": Place(51.4220, 5.3310, "Knegsel"),
    "5512": Place(51.4190, 5.2860, "Vessem"),
    "5513": Place(51.4490, 5.3380, "Wintelre"),
    "5521": Place(51.3570, 5.3190, "Eersel"),
    "5524": Place(51.3350, 5.2890, "Steensel"),
    "5525": Place(51.3650, 5.2900, "Duizel"),
    "5527": Place(51.3640, 5.2490, "Hapert"),
    "5528": Place(51.3610, 5.2180, "Hoogeloon"),
    "5529": Place(51.3870, 5.2290, "Casteren"),
    "5531": Place(51.3690, 5.2200, "Bladel"),
    "5532": Place(51.3320, 5.2300, "Netersel"),
    "5541": Place(51.3630, 5.1720, "Reusel"),
    "5551": Place(51.3770, 5.4330, "Valkenswaard Dommelen"),
    "5552": Place(51.3550, 5.4570, "Valkenswaard Centrum"),
    "5553": Place(51.3450, 5.4690, "Valkenswaard Turfberg"),
    "5554": Place(51.3420, 5.4470, "Valkenswaard Borkel"),
    "5555": Place(51.3370, 5.4860, "Valkenswaard Schaapsloop"),
    "5556": Place(51.3620, 5.4810, "Valkenswaard Geenhoven"),
    "5561": Place(51.3540, 5.3900, "Riethoven"),
    "5563": Place(51.3280, 5.4050, "Westerhoven"),
    "5571": Place(51.3190, 5.3580, "Bergeijk"),
    "5575": Place(51.2950, 5.3270, "Luyksgestel"),
    "5581": Place(51.3950, 5.4470, "Waalre Dorp"),
    "5582": Place(51.3880, 5.4610, "Waalre Aalst"),
    "5583": Place(51.3990, 5.4690, "Waalre Het Loon"),
    "5591": Place(51.3820, 5.5750, "Heeze"),
    "5595": Place(51.3530, 5.5540, "Leende"),
    # Geldrop, Mierlo, Nuenen, Son en Breugel, Best, Oirschot
    "5661": Place(51.4230, 5.5600, "Geldrop Centrum"),
    "5662": Place(51.4150, 5.5540, "Geldrop Coevering"),
    "5663": Place(51.4310, 5.5440, "Geldrop Zesgehuchten"),
    "5664": Place(51.4130, 5.5720, "Geldrop Genoenhuis"),
    "5665": Place(51.4340, 5.5720, "Geldrop Braakhuizen"),
    "5666": Place(51.4060, 5.5430, "Geldrop Hof van Holland"),
    "5667": Place(51.4300, 5.5810, "Geldrop Akert"),
    "5671": Place(51.4710, 5.5510, "Nuenen"),
    "5672": Place(51.4650, 5.5580, "Nuenen Eeneind"),
    "5673": Place(51.4760, 5.5420, "Nuenen Nederwetten"),
    "5674": Place(51.4830, 5.5710, "Nuenen Gerwen"),
    "5681": Place(51.5060, 5.3920, "Best Centrum"),
    "5682": Place(51.5160, 5.3860, "Best Heuveleind"),
    "5683": Place(51.5000, 5.4070, "Best Naastenbest"),
    "5684": Place(51.5200, 5.4020, "Best Aarle"),
    "5685": Place(51.4940, 5.3810, "Best Villapark"),
    "5688": Place(51.5030, 5.3100, "Oirschot"),
    "5689": Place(51.4850, 5.3320, "Oost-, West- en Middelbeers"),
    "5691": Place(51.5110, 5.4930, "Son"),
    "5692": Place(51.5020, 5.4840, "Son Sonniuspark"),
    "5693": Place(51.5170, 5.4730, "Son Breugel-west"),
    "5694": Place(51.5220, 5.4950, "Breugel"),
    # Helmond, Peel en Kempen
    "5701": Place(51.4790, 5.6560, "Helmond Centrum"),
    "5702": Place(51.4650, 5.6450, "Helmond Mierlo-Hout"),
    "5703": Place(51.4880, 5.6310, "Helmond Stiphout"),
    "5704": Place(51.4850, 5.6730, "Helmond Warande"),
    "5705": Place(51.4690, 5.6700, "Helmond Brouwhuis"),
    "5706": Place(51.4960, 5.6450, "Helmond Rijpelberg"),
    "5707": Place(51.4630, 5.6200, "Helmond Brandevoort"),
    "5708": Place(51.4990, 5.6830, "Helmond Dierdonk"),
    "5709": Place(51.4770, 5.6890, "Helmond De Rijpel"),
    "5711": Place(51.3850, 5.7110, "Someren"),
    "5712": Place(51.3780, 5.6810, "Someren-Eind"),
    "5715": Place(51.4090, 5.6840, "Lierop"),
    "5721": Place(51.4040, 5.7470, "Asten"),
    "5724": Place(51.4180, 5.7780, "Ommel"),
    "5725": Place(51.3790, 5.7650, "Heusden (Asten)"),
    "5731": Place(51.4410, 5.6210, "Mierlo"),
    "5735": Place(51.5090, 5.6400, "Aarle-Rixtel"),
    "5737": Place(51.5170, 5.6020, "Lieshout"),
    "5741": Place(51.5300, 5.6330, "Beek en Donk"),
    "5751": Place(51.4610, 5.7930, "Deurne"),
    "5752": Place(51.4500, 5.7960, "Deurne-zuid"),
    "5753": Place(51.4700, 5.8050, "Deurne-noord"),
    "5754": Place(51.4780, 5.8300, "Deurne De Vlier"),
    "5756": Place(51.4460, 5.7580, "Vlierden"),
    "5757": Place(51.4160, 5.8160, "Liessel"),
    "5758": Place(51.4180, 5.8650, "Neerkant"),
    "5759": Place(51.4230, 5.9040, "Helenaveen"),
    "5761": Place(51.5030, 5.7400, "Bakel"),
    "5763": Place(51.5080, 5.7170, "Milheeze"),
    "5421": Place(51.5560, 5.6880, "Gemert"),
    "5422": Place(51.5380, 5.6680, "Gemert De Mortel"),
    "5423": Place(51.5320, 5.7060, "Handel"),
    "5424": Place(51.5560, 5.7220, "Elsendorp"),
    "6021": Place(51.2740, 5.5740, "Budel"),
    "6023": Place(51.2870, 5.5640, "Budel-Schoot"),
    "6024": Place(51.2610, 5.6030, "Budel-Dorplein"),
    "6026": Place(51.3110, 5.6150, "Maarheeze"),
    "6027": Place(51.3090, 5.6500, "Soerendonk"),
    "6028": Place(51.2950, 5.6750, "Gastel"),
    "6029": Place(51.3400, 5.6300, "Sterksel"),
}

# Rough centroids of 2-digit postcode regions, for areas outside the table.
REGIONS: dict[str, Place] = {
    "10": Place(52.3700, 4.8900, "Amsterdam"),
    "30": Place(51.9200, 4.4800, "Rotterdam"),
    "35": Place(52.0900, 5.1200, "Utrecht"),
    "46": Place(51.4900, 4.2900, "Bergen op Zoom"),
    "47": Place(51.5300, 4.4600, "Roosendaal"),
    "48": Place(51.5900, 4.7800, "Breda"),
    "49": Place(51.6400, 4.8600, "Oosterhout"),
    "50": Place(51.5600, 5.0800, "Tilburg"),
    "51": Place(51.6400, 5.0000, "Waalwijk, Dongen, Oisterwijk"),
    "52": Place(51.6900, 5.3000, "'s-Hertogenbosch"),
    "53": Place(51.7600, 5.4500, "Oss"),
    "54": Place(51.6300, 5.6100, "Uden, Veghel, Gemert"),
    "55": Place(51.3800, 5.3700, "Veldhoven, Valkenswaard, Kempen"),
    "56": Place(51.4500, 5.4800, "Eindhoven, Geldrop, Nuenen, Best"),
    "57": Place(51.4600, 5.7100, "Helmond, Deurne, Asten"),
    "58": Place(51.5200, 6.0000, "Venray, Horst"),
    "59": Place(51.3700, 6.1700, "Venlo"),
    "60": Place(51.2500, 5.7100, "Weert, Budel"),
    "61": Place(51.0500, 5.8500, "Sittard, Echt"),
    "62": Place(50.8500, 5.6900, "Maastricht"),
    "63": Place(50.8800, 5.9000, "Valkenburg, Heerlen-west"),
    "64": Place(50.8900, 6.0200, "Heerlen, Kerkrade"),
    "65": Place(51.8400, 5.8500, "Nijmegen"),
    "68": Place(51.9800, 5.9100, "Arnhem"),
}


class Precision(StrEnum):
    AREA = "area"  # both 4-digit areas in the table
    REGION = "region"  # at least one side estimated from its 2-digit region
    NUMERIC = "numeric"  # crude guess from the numeric distance of the postcodes


class Travel(NamedTuple):
    km: float
    precision: Precision


def area_code(postcode: str) -> str:
    """The 4-digit area of a Dutch postcode ("5611 AB", "5611ab", "5611")."""
    match = _POSTCODE.match(postcode)
    if not match:
        raise ValueError(f"geen geldige Nederlandse postcode: {postcode!r}")
    return match.group(1)


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1 = map(math.radians, a)
    lat2, lon2 = map(math.radians, b)
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _code_places(codes: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per 4-digit code: numeric code, latitude, longitude (NaN when unplaceable), exact flag."""
    number = np.array([int(code) for code in codes], dtype=np.int64)
    lat = np.full(len(codes), np.nan)
    lon = np.full(len(codes), np.nan)
    exact = np.zeros(len(codes), dtype=bool)
    for k, code in enumerate(codes):
        place = AREAS.get(code)
        exact[k] = place is not None
        place = place or REGIONS.get(code[:2])
        if place is not None:
            lat[k], lon[k] = place.lat, place.lon
    return number, lat, lon, exact


def travel_matrix(codes_a: Sequence[str], codes_b: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Kilometres (rounded to 0.1) and precision codes (0 area, 1 region, 2 numeric) for all pairs of
    4-digit areas. ``travel`` is this function on one pair, so single and bulk answers agree exactly."""
    num_a, lat_a, lon_a, exact_a = _code_places(codes_a)
    num_b, lat_b, lon_b, exact_b = _code_places(codes_b)
    phi_a, phi_b = np.radians(lat_a)[:, None], np.radians(lat_b)[None, :]
    lam_a, lam_b = np.radians(lon_a)[:, None], np.radians(lon_b)[None, :]
    h = np.sin((phi_b - phi_a) / 2) ** 2 + np.cos(phi_a) * np.cos(phi_b) * np.sin((lam_b - lam_a) / 2) ** 2
    with np.errstate(invalid="ignore"):
        km = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    same_area = num_a[:, None] == num_b[None, :]
    same_3 = (num_a // 10)[:, None] == (num_b // 10)[None, :]
    same_2 = (num_a // 100)[:, None] == (num_b // 100)[None, :]
    both_exact = exact_a[:, None] & exact_b[None, :]
    placed = ~np.isnan(km)
    # A region centroid says little within its region: never claim less than the region's spread.
    floor = np.where(same_area, 3.0, np.where(same_2, 8.0, 0.0))
    km = np.where(both_exact, km, np.maximum(km, floor))
    # Unplaceable: Dutch postcodes are roughly geographic, so the numbers give a crude guess.
    region_gap = np.abs((num_a // 100)[:, None] - (num_b // 100)[None, :])
    numeric = np.where(
        same_area, 3.0, np.where(same_3, 8.0, np.where(same_2, 15.0, np.minimum(250.0, 25.0 + 3.0 * region_gap)))
    )
    km = np.where(placed, km, numeric)
    precision = np.where(placed, np.where(both_exact, 0, 1), 2).astype(np.int8)
    return np.round(km, 1), precision


_PRECISIONS = (Precision.AREA, Precision.REGION, Precision.NUMERIC)


def precision_of(code: int) -> Precision:
    return _PRECISIONS[code]


def travel(postcode_a: str, postcode_b: str) -> Travel:
    """Straight-line distance between two postcodes and how precise it is."""
    km, precision = travel_matrix([area_code(postcode_a)], [area_code(postcode_b)])
    return Travel(float(km[0, 0]), _PRECISIONS[int(precision[0, 0])])


def distance_km(postcode_a: str, postcode_b: str) -> float:
    """Straight-line kilometres between two postcodes (haversine), rounded to 0.1 km."""
    return travel(postcode_a, postcode_b).km
