"""A planted web shop: ~600 products from 22 brands with customers who have known tastes.

The files are what a shop would export: ``products.jsonl`` (``sku, name, brand, category,
colour`` (a list), ``price, rating, description``) and ``orders.jsonl`` (``customer, sku,
stars, ts`` in epoch seconds). None of the attribute names is a MovieLens one.

Planted structure: every customer belongs to one *segment* (two or three related categories,
e.g. Headphones + Speakers) and buys 80% inside it; a third of the customers are bargain
hunters who lean to cheaper products. Within a category, products are drawn by a Zipf
popularity. Stars are high inside the segment and lower outside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# category → (product nouns, (min price, max price), colours it comes in, feature sentences)
# fmt: off
CATEGORIES: dict[str, tuple[tuple[str, ...], tuple[int, int], tuple[str, ...], tuple[str, ...]]] = {
    "Running Shoes": (
        ("Running Shoe", "Trail Runner", "Road Racer"),
        (55, 220),
        ("Black", "White", "Blue", "Red", "Orange", "Grey", "Pink", "Yellow"),
        ("Cushioned midsole for long runs.", "Grippy outsole for wet trails.",
         "Light mesh upper that breathes."),
    ),
    "Sneakers": (
        ("Sneaker", "Court Sneaker", "Low-Top"),
        (45, 180),
        ("White", "Black", "Beige", "Green", "Navy", "Red", "Pink"),
        ("Leather upper and a padded collar.", "Classic court shape with a rubber cupsole.",
         "Canvas upper, easy to clean."),
    ),
    "Jackets": (
        ("Rain Jacket", "Down Jacket", "Softshell Jacket", "Parka", "Windbreaker"),
        (60, 450),
        ("Black", "Navy", "Olive", "Red", "Yellow", "Grey", "Blue", "Orange"),
        ("Waterproof shell with taped seams.", "Warm insulation that packs into its pocket.",
         "Adjustable hood and two zipped pockets."),
    ),
    "Backpacks": (
        ("Backpack", "Daypack", "Travel Pack", "Rolltop Pack"),
        (35, 240),
        ("Black", "Grey", "Olive", "Navy", "Brown", "Red", "Beige"),
        ("Padded laptop sleeve up to 16 inches.", "Water-resistant fabric and a roll-top closure.",
         "Ventilated back panel for hot days."),
    ),
    "T-Shirts": (
        ("Tee", "Crew T-Shirt", "Pocket Tee", "Long-Sleeve Tee"),
        (12, 60),
        ("White", "Black", "Grey", "Navy", "Green", "Red", "Yellow", "Pink", "Purple"),
        ("Soft organic cotton.", "Relaxed fit with a ribbed collar.",
         "Quick-drying fabric for workouts."),
    ),
    "Headphones": (
        ("Wireless Headphones", "Earbuds", "Over-Ear Headphones", "Studio Headphones"),
        (25, 420),
        ("Black", "White", "Silver", "Navy", "Pink", "Green"),
        ("Active noise cancelling and 30-hour battery.", "Balanced sound with a detachable cable.",
         "Comfortable memory-foam ear cushions."),
    ),
    "Speakers": (
        ("Bluetooth Speaker", "Bookshelf Speaker", "Smart Speaker", "Soundbar"),
        (30, 520),
        ("Black", "White", "Grey", "Blue", "Red"),
        ("Room-filling sound with deep bass.", "Splash-proof, with a 12-hour battery.",
         "Pairs with a second unit for stereo."),
    ),
    "Watches": (
        ("Field Watch", "Dive Watch", "Smartwatch", "Chronograph"),
        (40, 900),
        ("Black", "Silver", "Brown", "Navy", "Green"),
        ("Sapphire glass and a leather strap.", "Water-resistant to 100 metres.",
         "Heart-rate sensor and sleep tracking."),
    ),
    "Lamps": (
        ("Desk Lamp", "Floor Lamp", "Table Lamp", "Reading Light"),
        (25, 300),
        ("Black", "White", "Brass", "Green", "Grey", "Beige"),
        ("Warm dimmable light.", "Adjustable arm and a weighted base.",
         "Linen shade that softens the light."),
    ),
    "Mugs": (
        ("Mug", "Travel Mug", "Espresso Cup Set"),
        (8, 35),
        ("White", "Blue", "Green", "Yellow", "Pink", "Black", "Grey"),
        ("Dishwasher-safe stoneware.", "Double-walled to keep drinks hot.",
         "Hand-glazed, each one slightly different."),
    ),
    "Cookware": (
        ("Frying Pan", "Dutch Oven", "Saucepan", "Wok"),
        (20, 360),
        ("Black", "Silver", "Red", "Blue", "Green"),
        ("Cast iron that goes from hob to oven.", "Non-stick coating, free of PFOA.",
         "Tri-ply steel for even heat."),
    ),
    "Yoga Mats": (
        ("Yoga Mat", "Travel Mat", "Cork Mat"),
        (20, 110),
        ("Purple", "Blue", "Green", "Pink", "Black", "Grey"),
        ("Non-slip surface, 6 mm thick.", "Light enough to carry to class.",
         "Natural rubber base."),
    ),
    "Water Bottles": (
        ("Water Bottle", "Insulated Bottle", "Sport Bottle"),
        (10, 50),
        ("Black", "White", "Blue", "Green", "Red", "Pink", "Yellow", "Silver"),
        ("Keeps drinks cold for 24 hours.", "Leak-proof lid with a carry loop.",
         "BPA-free and dishwasher-safe."),
    ),
    "Sunglasses": (
        ("Sunglasses", "Aviators", "Sport Sunglasses"),
        (15, 260),
        ("Black", "Brown", "Silver", "Blue", "Green"),
        ("Polarised lenses with full UV protection.", "Light frame that stays put.",
         "Scratch-resistant lenses."),
    ),
}
# fmt: on
# brand → (categories, price factor)
BRANDS: dict[str, tuple[tuple[str, ...], float]] = {
    "Kestrel": (("Jackets", "Backpacks", "Running Shoes", "Water Bottles"), 1.15),
    "Northline": (("Jackets", "Backpacks", "Water Bottles", "Sunglasses"), 1.5),
    "Alpenrock": (("Jackets", "Backpacks", "Running Shoes"), 1.0),
    "Trailmark": (("Backpacks", "Water Bottles", "Running Shoes"), 0.65),
    "Sonora": (("Headphones", "Speakers"), 1.6),
    "Auralis": (("Headphones", "Speakers"), 1.0),
    "Wavecraft": (("Headphones", "Speakers"), 0.55),
    "Decibel & Co": (("Speakers",), 1.2),
    "Hearthware": (("Cookware", "Mugs"), 1.0),
    "Lumo": (("Lamps",), 1.0),
    "Oak & Ember": (("Lamps", "Mugs", "Cookware"), 1.5),
    "Potter's Lane": (("Mugs",), 0.7),
    "Ferro": (("Cookware",), 1.4),
    "Maison Claire": (("T-Shirts", "Sunglasses", "Watches", "Sneakers"), 1.6),
    "Urbanite": (("Sneakers", "T-Shirts", "Backpacks"), 1.0),
    "Velo": (("Sneakers", "Running Shoes", "Sunglasses"), 1.0),
    "Basics Co": (("T-Shirts", "Mugs", "Water Bottles"), 0.6),
    "Zenfit": (("Yoga Mats", "Water Bottles", "T-Shirts"), 1.0),
    "Pulse": (("Running Shoes", "Watches", "Headphones"), 1.05),
    "Stride": (("Running Shoes", "Sneakers"), 0.7),
    "Tempora": (("Watches",), 1.7),
    "Halden": (("Watches", "Sunglasses"), 0.9),
}
MODELS = (
    "Ridge", "Summit", "Drift", "Echo", "Nova", "Terra", "Aero", "Vista", "Harbor", "Cascade",
    "Atlas", "Luna", "Ember", "Orbit", "Pine", "Fjord", "Mesa", "Tundra", "Zephyr", "Coast",
    "Haven", "Pico", "Sierra", "Arc",
)  # fmt: skip
VARIANTS = ("", "", "", " 2", " Pro", " Lite", " Max", " Mini", " 3", " Plus")
SEGMENTS = (
    ("Running Shoes", "Water Bottles", "Sunglasses"),
    ("Jackets", "Backpacks"),
    ("Headphones", "Speakers"),
    ("Lamps", "Mugs", "Cookware"),
    ("T-Shirts", "Sneakers"),
    ("Yoga Mats", "Water Bottles", "T-Shirts"),
    ("Watches", "Sunglasses"),
)
START_TS = 1_640_995_200  # 2022-01-01


@dataclass(frozen=True)
class ShopTruth:
    """The products, the orders and the planted structure behind them."""

    products: list[dict[str, object]]
    orders: list[dict[str, object]]
    customer_segment: dict[str, tuple[str, ...]]
    bargain_hunters: frozenset[str]
    popularity: dict[str, float]


def _product(rng: np.random.Generator, k: int, taken: set[str]) -> dict[str, object]:
    categories = list(CATEGORIES)
    while True:
        category = categories[int(rng.integers(len(categories)))]
        makers = [b for b, (cats, _) in BRANDS.items() if category in cats]
        brand = makers[int(rng.integers(len(makers)))]
        factor = BRANDS[brand][1]
        nouns, (low, high), colours, features = CATEGORIES[category]
        model = MODELS[int(rng.integers(len(MODELS)))] + VARIANTS[int(rng.integers(len(VARIANTS)))]
        name = f"{brand} {model} {nouns[int(rng.integers(len(nouns)))]}"
        if name not in taken:
            taken.add(name)
            break
    n_colours = 1 if rng.random() < 0.8 else 2
    colour = [str(c) for c in rng.choice(colours, size=n_colours, replace=False)]
    base = float(np.exp(rng.uniform(np.log(low), np.log(high))))
    price = float(np.clip(round(base * factor), low, high * 1.5)) - 0.01
    rating = float(np.clip(round(rng.normal(4.1 + 0.2 * (factor - 1.0), 0.45), 1), 2.5, 5.0))
    feature = " ".join(str(f) for f in rng.choice(features, size=2, replace=False))
    description = f"{feature} Comes in {' and '.join(c.lower() for c in colour)}."
    if rng.random() < 0.5:
        description = f"Designed by {brand}. {description}"
    return {
        "sku": f"sk{k + 1:04d}",
        "name": name,
        "brand": brand,
        "category": category,
        "colour": colour,
        "price": round(price, 2),
        "rating": rating,
        "description": description,
    }


def generate_shop(n_products: int = 600, n_customers: int = 500, seed: int = 23) -> ShopTruth:
    """The planted shop. Same ``seed``, same products and orders."""
    rng = np.random.default_rng(seed)
    taken: set[str] = set()
    products = [_product(rng, k, taken) for k in range(n_products)]
    ids = [str(p["sku"]) for p in products]
    popularity = {
        i: float(1.0 / (1 + rank) ** 0.9)
        for rank, i in zip(rng.permutation(n_products), ids, strict=True)
    }
    weights = np.array([popularity[i] for i in ids])
    prices = np.array([float(p["price"]) for p in products])  # type: ignore[arg-type]
    cats = [str(p["category"]) for p in products]
    orders: list[dict[str, object]] = []
    segments: dict[str, tuple[str, ...]] = {}
    hunters: set[str] = set()
    for u in range(n_customers):
        customer = f"c{u + 1:04d}"
        segment = SEGMENTS[int(rng.integers(len(SEGMENTS)))]
        segments[customer] = segment
        w = weights
        if rng.random() < 0.33:
            hunters.add(customer)
            w = weights / np.sqrt(prices)
        inside = np.array([c in segment for c in cats])
        n = int(rng.integers(8, 30))
        n_in = min(round(0.8 * n), int(inside.sum()))
        chosen = list(_draw(rng, w, inside, n_in))
        chosen += list(_draw(rng, w, ~inside, n - n_in))
        ts = START_TS + int(rng.integers(0, 60 * 86400))
        for j in rng.permutation(len(chosen)):
            k = int(chosen[j])
            stars = int(rng.integers(4, 6)) if inside[k] else int(rng.integers(2, 5))
            ts += int(rng.integers(3600, 20 * 86400))
            orders.append({"customer": customer, "sku": ids[k], "stars": stars, "ts": ts})
    return ShopTruth(products, orders, segments, frozenset(hunters), popularity)


def _draw(rng: np.random.Generator, weights: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    candidates = np.flatnonzero(mask)
    n = min(n, len(candidates))
    if n <= 0:
        return np.array([], dtype=np.int64)
    p = weights[candidates] / weights[candidates].sum()
    return rng.choice(candidates, size=n, replace=False, p=p)
