"""The fictional people of the demo cohort (Zuidoost-Brabant, February 2021)."""

from __future__ import annotations

from typing import Any

MENTORS = [
    {"name": "Dr. Anneke van Dijk", "email": "a.vandijk@huisartsen-strijp.example", "phone": "040-2123456",
     "practice_name": "Huisartsenpraktijk Strijp", "street": "Hoogstraat 12", "postcode": "5615 PA",
     "city": "Eindhoven", "years_experience": "22", "topics": "praktijkvoering; werk-privébalans; lastige gesprekken",
     "topic_ids": ["praktijkvoering", "werk_prive", "grenzen_stellen", "lastige_patienten"],
     "availability": ["di-middag", "di-avond", "do-ochtend"], "capacity": "2", "big_number": "19012345601"},
    {"name": "Dr. Pieter Janssens", "email": "p.janssens@gezondheidscentrum-geldrop.example", "phone": "040-2856789",
     "practice_name": "Gezondheidscentrum Geldrop", "street": "Heuvel 3", "postcode": "5664 HK", "city": "Geldrop",
     "years_experience": "15", "topics": "associëren en praktijkovername; leidinggeven aan het team",
     "topic_ids": ["loopbaan", "leidinggeven", "praktijkvoering"], "availability": ["wo-middag", "do-middag"],
     "capacity": "1", "big_number": "29012345602"},
    {"name": "Dr. Marloes Hendriks", "email": "m.hendriks@praktijk-helmond.example", "phone": "0492-512345",
     "practice_name": "Praktijk De Kasteeltuin", "street": "Kasteellaan 8", "postcode": "5701 NN", "city": "Helmond",
     "years_experience": "19", "topics": "grenzen stellen; omgaan met fouten en klachten; ANW-diensten",
     "topic_ids": ["grenzen_stellen", "fouten_klachten", "anw_diensten"], "availability": ["ma-avond", "vr-ochtend"],
     "capacity": "1", "big_number": "39012345603"},
    {"name": "Dr. Kees Verhoeven", "email": "k.verhoeven@example.org", "phone": "040-2211223",
     "practice_name": "(gestopt) Huisartsenpraktijk Woensel", "street": "Kruisstraat 40", "postcode": "5612 CJ",
     "city": "Eindhoven", "years_experience": "30", "stopped_on": "2017-06-30",
     "topics": "loopbaankeuzes", "topic_ids": ["loopbaan"]},  # stopped more than two years ago: not eligible
]

MENTEES: list[dict[str, Any]] = [
    {"name": "Sanne de Vries", "email": "s.devries@huisartsen-veldhoven.example", "phone": "040-2534567",
     "practice_name": "Huisartsen Veldhoven-Zuid", "street": "Dorpstraat 21", "postcode": "5504 HB",
     "city": "Veldhoven", "years_experience": "2",
     "learning_goals": "Mijn eigen weg vinden als waarnemer; grenzen stellen aan mijn werkweek.",
     "topic_ids": ["werk_prive", "grenzen_stellen", "loopbaan"], "availability": ["di-avond", "do-ochtend"],
     "preferred": ["Dr. Anneke van Dijk"]},
    {"name": "Youssef el Amrani", "email": "y.elamrani@praktijk-nuenen.example", "phone": "040-2834455",
     "practice_name": "Praktijk Nuenen Centrum", "street": "Parkstraat 5", "postcode": "5671 GE", "city": "Nuenen",
     "years_experience": "3", "learning_goals": "Voorbereiden op associëren; leidinggeven aan assistentes.",
     "language": "en", "topic_ids": ["praktijkvoering", "leidinggeven", "loopbaan"],
     "availability": ["do-middag", "di-middag"], "preferred": ["Dr. Pieter Janssens", "Dr. Anneke van Dijk"]},
    {"name": "Lotte Bakker", "email": "l.bakker@huisartsen-mierlo.example", "phone": "0492-661234",
     "practice_name": "Huisartsen Mierlo", "street": "Santheuvel 9", "postcode": "5731 CX", "city": "Mierlo",
     "years_experience": "1", "learning_goals": "Omgaan met klachten en fouten; ANW-diensten zonder uitputting.",
     "topic_ids": ["fouten_klachten", "anw_diensten", "werk_prive"], "availability": ["ma-avond"],
     "preferred": ["Dr. Marloes Hendriks"]},
]

# Members of the association who get the invitation but do not apply.
OTHER_MEMBERS = [
    {"name": "Dr. Ria Smulders", "email": "r.smulders@huisartsen-best.example"},
    {"name": "Bas van Gerwen", "email": "b.vangerwen@praktijk-son.example"},
]

# The matching is proposed by the cohort run and approved by the simulated facilitator.
# Youssef's first kennismaking fails; his own run then proposes another mentor (Anneke has room for two).
DECLINES = {(1, 0)}  # (mentee index, match attempt index) where the mentee says no
SLOW_MENTOR_SIGNATURE = 0  # this mentee's mentor signs late, so a reminder goes out
# Meetings changed beforehand through the link in their invitation: mentee index -> who does it.
MOVES = {0: "mentor"}  # Sanne's mentor moves one of their meetings a week later
CALLS_OFF = {1: "mentee"}  # Youssef calls off one of his meetings; he then plans a new date
# Sanne asks the facilitator's comment on her first plan, gets it by mail and revises the plan once.
ASKS_REVIEW = 0  # mentee index
