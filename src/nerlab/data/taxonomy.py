"""Entity type inventories of the named datasets, and MultiCoNER II's fine -> coarse taxonomy."""

from __future__ import annotations

CONLL2003_TYPES = ("LOC", "MISC", "ORG", "PER")

MULTICONER2_COARSE: dict[str, tuple[str, ...]] = {
    "LOC": ("Facility", "OtherLOC", "HumanSettlement", "Station"),
    "CW": ("VisualWork", "MusicalWork", "WrittenWork", "ArtWork", "Software"),
    "GRP": ("MusicalGRP", "PublicCorp", "PrivateCorp", "AerospaceManufacturer", "SportsGRP",
            "CarManufacturer", "ORG"),
    "PER": ("Scientist", "Artist", "Athlete", "Politician", "Cleric", "SportsManager", "OtherPER"),
    "PROD": ("Clothing", "Vehicle", "Food", "Drink", "OtherPROD"),
    "MED": ("Medication/Vaccine", "MedicalProcedure", "AnatomicalStructure", "Symptom", "Disease"),
}

MULTICONER2_FINE_TO_COARSE: dict[str, str] = {
    fine: coarse for coarse, fines in MULTICONER2_COARSE.items() for fine in fines
}
MULTICONER2_TYPES = tuple(sorted(MULTICONER2_FINE_TO_COARSE))
