"""Word pools for the planted catalogs: author names, book titles in four languages, blurbs.

Titles are drawn from per-category patterns (``"Murder at {place}"``) whose slots are filled
from shared pools, so a catalog of a thousand books has no two titles alike and each reads
like a real one. Non-English books get titles in their own language.
"""

from __future__ import annotations

import numpy as np

TitlePools = tuple[tuple[str, ...], dict[str, tuple[str, ...]]]
"""(patterns, slot name → values)."""


def fill(rng: np.random.Generator, pools: TitlePools) -> str:
    """One pattern with every ``{slot}`` filled at random."""
    patterns, slots = pools
    text = patterns[int(rng.integers(len(patterns)))]
    for name, values in slots.items():
        while "{" + name + "}" in text:
            text = text.replace("{" + name + "}", values[int(rng.integers(len(values)))], 1)
    return text


# fmt: off
AUTHOR_NAMES: dict[str, tuple[str, ...]] = {
    "English": (
        "Yuki Tanabe", "Noor Haddad", "Margaret Ellison", "Daniel Okafor", "Priya Raman",
        "Thomas Whitlock", "Grace Abernathy", "Samuel Reyes-Hart", "Eleanor Voss", "Kwame Mensah",
        "Hannah Lindqvist", "Oliver Pembroke", "Aisha Karim", "Jonah Blackwood", "Ruth Calloway",
        "Marcus Llewellyn", "Ines Castellan", "Patrick Donnelly", "Mei-Lin Chow", "Harriet Quill",
        "Declan Murray", "Sofia Andersen", "Benedict Ashworth", "Layla Summers", "Arthur Penhallow",
        "Clara Whitfield", "Ravi Chandrasekhar", "Fiona MacLeod", "Elijah Stone", "Miriam Goldberg",
        "Caleb Hawthorne", "Naomi Fairweather", "Victor Adeyemi", "Imogen Hale", "George Marchbank",
        "Tessa Redgrave", "Lucas Brennan", "Amara Obi", "Henry Castellano", "Lydia Marsh",
        "Felix Hargreave", "Rosalind Kerr", "Isaac Thornbury", "Beatrice Lowell", "Omar Siddiqui",
        "Vivian Cross", "Nathaniel Greer", "Keiko Ando", "Martha Ellwood", "Julian Ashby",
        "Penelope Rook", "Diego Alvarez-Kent", "Agnes Holloway", "Simon Achterberg", "Zara Malik",
    ),
    "French": (
        "Camille Laurent", "Étienne Morel", "Juliette Marchand", "Antoine Lefèvre", "Sophie Garnier",
        "Baptiste Rousseau", "Hélène Dubois", "Mathieu Fontaine", "Claire Vasseur", "Louis Chevalier",
        "Amélie Perrin", "Julien Mercier", "Céline Bonnard", "Hugo Lambert", "Isabelle Roche",
        "Théo Girard", "Margaux Leclerc",
    ),
    "Spanish": (
        "Lucía Herrera", "Mateo Salvatierra", "Carmen Ortega", "Javier Montalbán", "Elena Ruiz",
        "Andrés Cifuentes", "Pilar Navarro", "Diego Ibarra", "Marta Solís", "Rafael Quintana",
        "Inés Valverde", "Tomás Aranda", "Rosa Medina", "Gonzalo Ferrer", "Alba Cortés",
        "Sergio Llorente", "Valeria Peña",
    ),
    "German": (
        "Katrin Vogel", "Matthias Brandt", "Anja Weber", "Jonas Hartmann", "Sabine Keller",
        "Lukas Schreiber", "Miriam Albrecht", "Florian Wagner", "Greta Lindner", "Tobias Krüger",
        "Johanna Seidel", "Felix Baumann", "Ulrike Hoffmann", "Stefan Ritter", "Lena Zimmermann",
        "Paul Engel", "Clara Wolff",
    ),
}

_PLACE = (
    "Harrow Lane", "Blackwater", "Kingsmere", "Saltcombe", "the Old Mill", "Larkspur Hall",
    "Fenwick Bay", "Ravenscar", "the Marsh", "Hollow Creek", "Greyhaven", "Wexford Street",
    "the Lighthouse", "Cold Harbour", "Ashdown", "Thornfield Road", "the Quay", "Pelham Square",
)
_ADJ = (
    "Silent", "Crimson", "Broken", "Golden", "Hidden", "Last", "Lonely", "Midnight", "Frozen",
    "Burning", "Distant", "Quiet", "Restless", "Secret", "Stolen", "Wild", "Velvet", "Bitter",
    "Endless", "Pale", "Glass", "Iron", "Winter", "Summer", "Sleeping", "Drowned",
)
_NOUN = (
    "River", "Garden", "Harbour", "Letter", "Mountain", "Orchard", "Promise", "Shadow", "Storm",
    "Stranger", "Tower", "Valley", "Witness", "Island", "Lantern", "Mirror", "Bridge", "Key",
    "Map", "Clock", "Silence", "Tide", "Compass", "Feather", "Window", "Door",
)
_FIRST = (
    "Clara", "Edith", "Jonah", "Marguerite", "Tobias", "Ada", "Felix", "Iris", "Leo", "Maud",
    "Rosa", "Otto", "Violet", "Silas", "June", "Hugo", "Nell", "Arlo",
)
_REGION = (
    "Patagonia", "the Andes", "Anatolia", "the Balkans", "Hokkaido", "Lapland", "the Atlas",
    "Sicily", "the Hebrides", "Kerala", "Yunnan", "the Sahara", "Tasmania", "Iceland",
    "the Dolomites", "Oaxaca", "Transylvania", "the Silk Road", "Normandy", "Galicia",
)
_FOOD = (
    "Bread", "Soup", "Noodles", "Tomatoes", "Lentils", "Citrus", "Dumplings", "Pies", "Rice",
    "Spices", "Cheese", "Greens", "Fish", "Mushrooms", "Chocolate", "Olives",
)
_THING = (
    "Trees", "Bees", "Clouds", "Octopuses", "the Brain", "Sleep", "Fungi", "Light", "Time",
    "Ice", "Stars", "Bacteria", "Rivers", "Volcanoes", "Birdsong", "Memory", "Numbers", "Whales",
)
_EMPIRE = (
    "Byzantium", "the Hanseatic League", "Venice", "the Mughals", "Carthage", "the Incas",
    "the Habsburgs", "Songhai", "the Khmer", "the Ottomans", "Mali", "the Vikings", "Babylon",
)
_ANIMAL = (
    "Fox", "Bear", "Owl", "Hedgehog", "Tortoise", "Rabbit", "Penguin", "Mouse", "Badger",
    "Otter", "Elephant", "Whale", "Goose", "Lion",
)
_GERUND = (
    "Letting Go", "Slowing Down", "Saying No", "Starting Over", "Paying Attention",
    "Rest", "Small Steps", "Quiet Confidence", "Good Habits", "Being Alone",
)
_SLOTS = {
    "place": _PLACE,
    "adj": _ADJ,
    "noun": _NOUN,
    "first": _FIRST,
    "region": _REGION,
    "food": _FOOD,
    "thing": _THING,
    "empire": _EMPIRE,
    "animal": _ANIMAL,
    "gerund": _GERUND,
}


def _pools(*patterns: str) -> TitlePools:
    return patterns, _SLOTS


ENGLISH_TITLES: dict[str, TitlePools] = {
    "Mystery": _pools(
        "Murder at {place}", "The {adj} Witness", "Death in {place}", "The {place} Affair",
        "The Case of the {adj} {noun}", "A {noun} for the Dead", "The Secret of {place}",
    ),
    "Thriller": _pools(
        "The {noun} Protocol", "Zero {noun}", "The Last {noun}", "Dead {noun}", "{adj} Target",
        "Seven Days in {place}", "The {adj} Contract",
    ),
    "Science Fiction": _pools(
        "The Stars over {region}", "{noun} Station", "The {adj} Orbit", "Beyond the {noun}",
        "The {noun} Engine", "Signals from {region}", "Colony {noun}",
    ),
    "Fantasy": _pools(
        "The {noun} of {region}", "The {adj} Crown", "Song of the {noun}", "The Dragon's {noun}",
        "The {adj} Throne", "The Witch of {place}", "Heir to the {noun}",
    ),
    "Romance": _pools(
        "A Summer in {region}", "Love and the {noun}", "The {adj} Proposal", "Letters to {first}",
        "Meet Me at {place}", "{first} and the {adj} Heart", "The Wedding at {place}",
    ),
    "Horror": _pools(
        "The House on {place}", "Whispers in the {noun}", "The {adj} Hour", "What the {noun} Knew",
        "Do Not Open the {noun}", "The Hunger at {place}", "Bones of {place}",
    ),
    "Literary Fiction": _pools(
        "All the {adj} {noun}s", "The {noun}s of {place}", "A {adj} Year", "The Weight of the {noun}",
        "{first}'s {noun}", "What {first} Kept", "The {adj} Season",
    ),
    "Historical Fiction": _pools(
        "The Mapmaker of {region}", "The Last Winter in {region}", "The {place} Letters",
        "The Clockmaker of {place}", "A {noun} in Wartime", "The {adj} Empire", "{first} of {region}",
    ),
    "Poetry": _pools(
        "{noun} and {noun}: Poems", "Salt, {noun}, Light", "Poems from the {noun}",
        "The {adj} Hours: Poems", "Small {noun}s", "Psalms for {region}", "Notes on the {noun}",
    ),
    "Travel": _pools(
        "Walking {region}", "A Year in {region}", "On the Road through {region}",
        "{region} by Train", "Slow Days in {region}", "The Long Way to {region}",
        "Letters from {region}",
    ),
    "History": _pools(
        "The Rise and Fall of {empire}", "{empire}: A History", "The {adj} Century",
        "Merchants of {empire}", "The Year {empire} Burned", "Empire of the {noun}",
        "The Road to {empire}",
    ),
    "Biography": _pools(
        "{first} {noun}: A Life", "The Life and Times of {first} {noun}", "Becoming {first}",
        "The {adj} Mapmaker", "A Life in {region}", "The Woman Who Walked {region}",
        "The Man Who Counted {thing}",
    ),
    "Cooking": _pools(
        "The {region} Kitchen", "Simple {food}", "A Hundred Ways with {food}",
        "{food}, {food} and {food}", "Cooking from {region}", "The Joy of {food}",
        "Sunday {food}",
    ),
    "Science": _pools(
        "The Hidden Life of {thing}", "A Short History of {thing}", "The {thing} Code",
        "Why {thing} Matter", "What {thing} Know", "The Secret World of {thing}",
        "Inside {thing}",
    ),
    "Self-Help": _pools(
        "The Art of {gerund}", "A Little Book of {gerund}", "The {adj} Mind",
        "Seven Lessons in {gerund}", "{gerund}, Every Day", "The Power of {gerund}",
        "Less Noise, More {noun}",
    ),
    "Children's": _pools(
        "The {animal} Who Lost the {noun}", "{first} and the {adj} {noun}", "Goodnight, {animal}",
        "The Little {animal}", "A {animal} at {place}", "The {animal} and the {animal}",
        "{first} Finds a {noun}",
    ),
}

LANGUAGE_TITLES: dict[str, TitlePools] = {
    "French": (
        ("{phrase}", "{phrase} à {ville}", "Après {phrase_lc}", "{phrase} : roman", "Retour à {ville}",
         "Les Jours de {ville}", "Un hiver à {ville}"),
        {
            "phrase": (
                "Le Silence des Rivières", "La Maison du Phare", "Les Heures Blanches",
                "Le Jardin d'Hiver", "La Dernière Lettre", "Les Ombres du Port", "Le Chant des Marées",
                "La Nuit des Lanternes", "Le Pays Perdu", "La Femme au Manteau Bleu",
                "Les Oiseaux de Passage", "Le Temps des Cerises", "La Promesse de l'Aube",
                "Le Secret de l'Horloger", "Les Enfants du Vent", "La Route du Sel",
                "Le Dernier Été", "La Chambre Close", "Les Amants du Quai", "Le Goût du Pain",
            ),
            "phrase_lc": (
                "la tempête", "le silence", "la guerre", "l'hiver", "la fête", "le naufrage",
                "la pluie", "le départ", "la nuit", "l'orage",
            ),
            "ville": (
                "Lyon", "Marseille", "Brest", "Nantes", "Arles", "Québec", "Dakar", "Lille",
                "Bordeaux", "Genève", "Tanger", "Rouen",
            ),
        },
    ),
    "Spanish": (
        ("{frase}", "{frase} en {ciudad}", "Después de {frase_lc}", "Regreso a {ciudad}",
         "Los días de {ciudad}", "Un invierno en {ciudad}", "Cartas desde {ciudad}"),
        {
            "frase": (
                "El Silencio del Río", "La Casa del Faro", "Las Horas Blancas", "El Jardín de Invierno",
                "La Última Carta", "Las Sombras del Puerto", "El Canto de las Mareas",
                "La Noche de los Faroles", "El País Perdido", "La Mujer del Abrigo Azul",
                "Los Pájaros de Paso", "El Tiempo de las Cerezas", "La Promesa del Alba",
                "El Secreto del Relojero", "Los Hijos del Viento", "La Ruta de la Sal",
                "El Último Verano", "La Habitación Cerrada", "El Sabor del Pan", "La Sed",
            ),
            "frase_lc": (
                "la tormenta", "el silencio", "la guerra", "el invierno", "la fiesta",
                "el naufragio", "la lluvia", "la partida", "la noche", "la sequía",
            ),
            "ciudad": (
                "Sevilla", "Valparaíso", "Oaxaca", "Bilbao", "Cartagena", "Montevideo", "Toledo",
                "Córdoba", "Cuzco", "Granada", "Rosario", "Cádiz",
            ),
        },
    ),
    "German": (
        ("{titel}", "{titel} in {stadt}", "Nach {titel_lc}", "Rückkehr nach {stadt}",
         "Die Tage von {stadt}", "Ein Winter in {stadt}", "Briefe aus {stadt}"),
        {
            "titel": (
                "Das Schweigen des Flusses", "Das Haus am Leuchtturm", "Die Weißen Stunden",
                "Der Wintergarten", "Der Letzte Brief", "Die Schatten des Hafens", "Das Lied der Gezeiten",
                "Die Nacht der Laternen", "Das Verlorene Land", "Die Frau im Blauen Mantel",
                "Die Zugvögel", "Die Zeit der Kirschen", "Das Versprechen der Morgenröte",
                "Das Geheimnis des Uhrmachers", "Die Kinder des Windes", "Die Salzstraße",
                "Der Letzte Sommer", "Das Verschlossene Zimmer", "Der Geschmack des Brotes",
                "Die Stille nach dem Sturm",
            ),
            "titel_lc": (
                "dem Sturm", "der Stille", "dem Krieg", "dem Winter", "dem Fest", "dem Regen",
                "der Abreise", "der Nacht", "dem Gewitter", "der Flut",
            ),
            "stadt": (
                "Hamburg", "Leipzig", "Wien", "Bremen", "Dresden", "Zürich", "Lübeck", "Graz",
                "Rostock", "Köln", "Triest", "Basel",
            ),
        },
    ),
}

# fmt: on

BLURB_OPENINGS = (
    "A story told with rare warmth.",
    "Sharp, surprising and beautifully paced.",
    "The book readers keep pressing on their friends.",
    "Written with a clear, unhurried voice.",
    "A debut that feels like the work of a veteran.",
    "Long-listed for several prizes.",
    "Fresh, funny in places and deeply felt.",
    "Quietly ambitious and hard to put down.",
)
BLURB_HOOKS: dict[str, tuple[str, ...]] = {
    "Mystery": (
        "When a body is found in the village pond, a retired inspector takes one last case.",
        "A locked room, five suspects and a detective who trusts no one.",
        "An amateur sleuth follows a trail of forged letters to an old family secret.",
    ),
    "Thriller": (
        "A courier has forty-eight hours to deliver a file that half the world wants.",
        "An analyst uncovers a conspiracy inside her own agency and must run.",
        "A hostage negotiator faces the one kidnapper who knows her past.",
    ),
    "Science Fiction": (
        "On a generation ship, a mechanic discovers the voyage has no destination.",
        "First contact arrives as a signal nobody can translate.",
        "A colony on a frozen moon votes on whether to wake the sleepers.",
    ),
    "Fantasy": (
        "A young mapmaker finds a kingdom that exists on no chart.",
        "An exiled queen bargains with a dragon to win back her throne.",
        "Magic is fading, and only an apprentice thief knows why.",
    ),
    "Romance": (
        "Two rival bakers are forced to share one kitchen for a summer.",
        "A wedding planner falls for the one guest who objects.",
        "Old letters bring two strangers together across an ocean.",
    ),
    "Horror": (
        "The new house is perfect, except for the room that was not there yesterday.",
        "Something in the woods has learned to imitate voices.",
        "A village keeps a terrible bargain, and the bill has come due.",
    ),
    "Literary Fiction": (
        "Three generations of a family gather for a funeral and an inheritance.",
        "A translator rebuilds her life in a city that does not speak her language.",
        "A quiet novel about grief, friendship and the sea.",
    ),
    "Historical Fiction": (
        "In a besieged city, a clockmaker's daughter hides a fugitive.",
        "A nurse on the Western Front keeps a diary she was told to burn.",
        "Merchants, spies and lovers in a port at the edge of an empire.",
    ),
    "Poetry": (
        "A collection of short poems about weather, rivers and small mercies.",
        "Poems of love and loss, written over a single year.",
        "A sequence of verse letters to a distant sister.",
    ),
    "Travel": (
        "A thousand miles on foot, with a notebook and a borrowed tent.",
        "Markets, night trains and the kindness of strangers.",
        "A year of slow travel through mountains and villages.",
    ),
    "History": (
        "How trade routes shaped an empire and then broke it.",
        "A vivid account of a century of wars, plagues and reforms.",
        "Ordinary lives behind the great events of the age.",
    ),
    "Biography": (
        "The first full life of a forgotten explorer, drawn from her letters.",
        "An intimate portrait of a composer at the height of his fame.",
        "From a farm to the laboratory: the life of a pioneering scientist.",
    ),
    "Cooking": (
        "Over a hundred recipes for everyday meals, with photographs.",
        "Family recipes, market notes and simple weeknight dinners.",
        "Baking, preserving and feeding a crowd, step by step.",
    ),
    "Science": (
        "A lively tour of the latest research, for curious readers.",
        "What the newest experiments reveal about how the world works.",
        "A scientist explains a hidden world in plain words.",
    ),
    "Self-Help": (
        "Practical exercises for calmer days and better sleep.",
        "Small habits that add up to a different life.",
        "How to focus, rest and say no without guilt.",
    ),
    "Children's": (
        "A picture book about friendship, bravery and bedtime.",
        "A funny adventure for young readers, with illustrations.",
        "A gentle story to read aloud, perfect for ages four to eight.",
    ),
}
