"""Vocabularies of the synthetic org: people's names, company names, titles and activity subjects.

Hand-written rather than drawn from Faker: the org must stay the same for a given seed across library
upgrades (Faker changes its data between releases), and picking from fixed tuples costs a fraction
of a microsecond per record. Names and numbers are fictional; every domain is under the reserved
``.example`` top-level domain and phone numbers come from ranges set aside for fiction.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

Language = Literal["en", "fr", "de", "es"]
Level = Literal["executive", "director", "manager", "individual"]
Gender = Literal["f", "m"]
# (title, department or None, "" for either gender / "f" / "m" for gendered job titles)
TitleEntry = tuple[str, str | None, str]


def _names(text: str) -> tuple[str, ...]:
    """A vocabulary written as one comma-separated string (keeps long lists compact and readable)."""
    return tuple(name.strip() for name in text.split(","))


LANGUAGES: tuple[Language, ...] = ("en", "fr", "de", "es")
FOREIGN_LANGUAGES: tuple[Language, ...] = ("fr", "de", "es")

FIRST_NAMES: dict[Language, dict[Gender, tuple[str, ...]]] = {
    "en": {
        "f": _names(
            "Abigail, Aisha, Alice, Amelia, Amy, Anna, Beatrice, Bianca, Chloe, Dana, Diana, Eleanor, "
            "Emily, Emma, Erin, Fatima, Fiona, Gemma, Harper, Holly, Imani, Jasmine, Jessica, Julia, "
            "Kate, Laura, Leah, Lucy, Maya, Megan, Mei, Mia, Naomi, Nicole, Nina, Olga, Paige, Rachel, "
            "Rebecca, Rosa, Ruth, Sarah, Sienna, Tara, Uma, Valerie, Vanessa, Wendy, Yasmin, Zoe"
        ),
        "m": _names(
            "Aaron, Adam, Ahmed, Alex, Andrew, Arjun, Ben, Brandon, Caleb, Carlos, Chris, Connor, David, "
            "Dev, Dylan, Eric, Ethan, Felix, Gabriel, George, Hassan, Henry, Ian, Isaac, Jack, Jason, "
            "Joel, Jonah, Kevin, Kofi, Leo, Lucas, Luke, Mark, Matthew, Michael, Nathan, Nick, Oscar, "
            "Owen, Patrick, Paul, Raj, Ryan, Sam, Scott, Simon, Victor, Wei, Zach"
        ),
    },
    "fr": {
        "f": _names(
            "Amélie, Anaïs, Camille, Céline, Chloé, Claire, Élodie, Émilie, Hélène, Inès, Isabelle, "
            "Juliette, Léa, Manon, Margaux, Mathilde, Nathalie, Océane, Sophie, Valérie"
        ),
        "m": _names(
            "Antoine, Arnaud, Baptiste, Benoît, Cédric, Clément, Damien, Étienne, François, Guillaume, "
            "Hugo, Jérôme, Julien, Laurent, Loïc, Mathieu, Nicolas, Olivier, Sébastien, Thierry"
        ),
    },
    "de": {
        "f": _names(
            "Anja, Birgit, Claudia, Franziska, Heike, Jana, Jutta, Katrin, Käthe, Lena, Martina, Nicole, "
            "Petra, Sabine, Sandra, Stefanie, Susanne, Ulrike, Ursula, Wiebke"
        ),
        "m": _names(
            "Andreas, Björn, Christoph, Dieter, Florian, Frank, Günther, Jan, Jörg, Jürgen, Klaus, Lars, "
            "Markus, Matthias, Ralf, Sören, Stefan, Thomas, Tobias, Uwe"
        ),
    },
    "es": {
        "f": _names(
            "Ana, Begoña, Carmen, Cristina, Elena, Inés, Laura, Lucía, María, Marta, Montserrat, Nuria, "
            "Paloma, Pilar, Raquel, Rocío, Silvia, Sofía, Teresa, Verónica"
        ),
        "m": _names(
            "Alejandro, Álvaro, Andrés, Ángel, Carlos, David, Diego, Fernando, Gonzalo, Íñigo, Javier, "
            "Jesús, Jorge, José, Juan, Luis, Manuel, Miguel, Pablo, Sergio"
        ),
    },
}

LAST_NAMES: dict[Language, tuple[str, ...]] = {
    "en": _names(
        "Abbott, Adams, Ahmed, Alvarez, Anderson, Bailey, Baker, Banerjee, Barnes, Bell, Bennett, Brooks, "
        "Brown, Bryant, Campbell, Carter, Chang, Chen, Clark, Coleman, Collins, Cook, Cooper, Cruz, "
        "Davies, Davis, Diaz, Edwards, Evans, Fleming, Flores, Foster, Garcia, Gordon, Graham, Gray, "
        "Green, Griffin, Gupta, Hall, Hamilton, Harris, Hayes, Henderson, Hill, Hoffman, Howard, Hughes, "
        "Hunt, Iyer, Jackson, James, Jenkins, Johnson, Jones, Kaur, Kelly, Kennedy, Khan, Kim, King, "
        "Kowalski, Lee, Lewis, Lopez, MacDonald, Marshall, Martin, Mason, McCarthy, Mehta, Miller, "
        "Mitchell, Moore, Morgan, Murphy, Murray, Nguyen, Nelson, Novak, O'Brien, Obi, Owens, Palmer, "
        "Park, Parker, Patel, Perry, Phillips, Powell, Price, Quinn, Ramirez, Reed, Reyes, Richards, "
        "Roberts, Robinson, Rogers, Ross, Russell, Sanders, Scott, Shah, Shaw, Simmons, Singh, Smith, "
        "Stewart, Sullivan, Tan, Taylor, Thompson, Torres, Turner, Walker, Wallace, Wang, Ward, Watson, "
        "White, Williams, Wilson, Wong, Wood, Wright, Young, Zhang"
    ),
    "fr": _names(
        "Bernard, Blanc, Bonnet, Boyer, Chevalier, Clément, Da Silva, David, Dubois, Dupont, Durand, "
        "Fabre, Faure, Fontaine, Fournier, Gaillard, Garnier, Gauthier, Girard, Guérin, Lambert, Laurent, "
        "Lefèvre, Legrand, Leroy, Martin, Masson, Mercier, Michel, Moreau, Morel, Perrin, Petit, Robert, "
        "Roche, Rousseau, Roux, Simon, Thomas, Vincent"
    ),
    "de": _names(
        "Bauer, Becker, Braun, Brandt, Dietrich, Engel, Fischer, Frank, Friedrich, Groß, Hahn, Hartmann, "
        "Hoffmann, Huber, Jäger, Keller, Klein, Koch, König, Krüger, Lange, Lehmann, Maier, Meyer, "
        "Möller, Müller, Neumann, Peters, Richter, Schäfer, Schmidt, Schmitz, Schneider, Schröder, "
        "Schulz, Schwarz, Wagner, Weber, Weiß, Zimmermann"
    ),
    "es": _names(
        "Alonso, Blanco, Castillo, Castro, Delgado, Díaz, Domínguez, Fernández, García, Gil, Gómez, "
        "González, Gutiérrez, Hernández, Iglesias, Jiménez, López, Marín, Martín, Martínez, Molina, "
        "Morales, Moreno, Muñoz, Navarro, Núñez, Ortega, Ortiz, Peña, Pérez, Ramos, Romero, Rubio, Ruiz, "
        "Sánchez, Santos, Serrano, Suárez, Torres, Vázquez"
    ),
}

# Company names are "<stem> <noun>[ <legal form>]"; the noun decides the industry.
COMPANY_STEMS: tuple[str, ...] = _names(
    "Acorn, Aldergrove, Alpine, Amberly, Anvil, Apex, Aquila, Arbor, Arcadia, Argent, Aster, Atlas, "
    "Aurora, Avalon, Azure, Basalt, Beacon, Birchwood, Blackstone, Bluefin, Bluewater, Boreal, "
    "Brightline, Bristle, Brookfield, Cadence, Caldera, Canyon, Capstone, Cardinal, Cascade, Cedar, "
    "Celeste, Chimera, Cinder, Cirrus, Clearwater, Cobalt, Copperleaf, Coral, Cormorant, Cosmo, Crescent, "
    "Crestview, Crimson, Crystal, Cypress, Delta, Driftwood, Dune, Eastgate, Echo, Eclipse, Ember, "
    "Emerald, Equinox, Everline, Evergreen, Falcon, Fennel, Fjord, Flint, Foxglove, Frontier, Galena, "
    "Garnet, Glacier, Golden Gate, Granite, Greystone, Halcyon, Harbor, Harvest, Hawthorn, Helios, Heron, "
    "Highland, Horizon, Indigo, Iron Ridge, Ivory, Jasper, Juniper, Kestrel, Keystone, Lakeside, Lantern, "
    "Larkspur, Lighthouse, Lodestar, Lumen, Magnolia, Maple, Marigold, Meadow, Meridian, Mistral, "
    "Monarch, Moonstone, Nimbus, Northstar, Oakridge, Obsidian, Onyx, Orchid, Osprey, Pacifica, Palisade, "
    "Paragon, Pelican, Peregrine, Pinnacle, Polaris, Prairie, Prism, Quartz, Quill, Radiant, Raven, "
    "Redwood, Ridgeline, Riverbend, Rosewood, Saffron, Sagebrush, Sapphire, Sequoia, Sierra, Silverline, "
    "Skyward, Solstice, Sparrow, Starling, Stonebridge, Summit, Sunbeam, Tamarack, Tidewater, Timber, "
    "Topaz, Trillium, Tundra, Umber, Valiant, Vantage, Vega, Verdant, Vertex, Willow, Windward, Wren, "
    "Zenith, Zephyr"
)
COMPANY_NOUNS: dict[str, str] = {
    "Analytics": "Technology",
    "Software": "Software",
    "Cloud": "Software",
    "Data": "Technology",
    "Labs": "Technology",
    "Networks": "Telecommunications",
    "Telecom": "Telecommunications",
    "Robotics": "Manufacturing",
    "Manufacturing": "Manufacturing",
    "Industries": "Manufacturing",
    "Semiconductor": "Electronics",
    "Devices": "Electronics",
    "Health": "Healthcare",
    "Medical": "Healthcare",
    "Biotech": "Biotechnology",
    "Pharma": "Pharmaceuticals",
    "Capital": "Financial Services",
    "Bank": "Banking",
    "Insurance": "Insurance",
    "Payments": "Financial Services",
    "Energy": "Energy",
    "Solar": "Energy",
    "Logistics": "Transportation",
    "Freight": "Transportation",
    "Motors": "Automotive",
    "Retail": "Retail",
    "Foods": "Food & Beverage",
    "Media": "Media",
    "Studios": "Entertainment",
    "Consulting": "Consulting",
    "Advisors": "Consulting",
    "Partners": "Consulting",
    "Security": "Technology",
    "Digital": "Technology",
    "Dynamics": "Technology",
    "Technologies": "Technology",
    "Interactive": "Software",
    "Learning": "Education",
    "Hospitality": "Hospitality",
    "Construction": "Construction",
}
LEGAL_FORMS: dict[Language, tuple[str, ...]] = {
    "en": ("Inc.", "Inc.", "Ltd", "LLC", "Corp.", "", "", ""),
    "fr": ("SA", "SAS", "SAS"),
    "de": ("GmbH", "GmbH", "AG", "SE"),
    "es": ("S.L.", "S.A.", "S.L."),
}
FREEMAIL_DOMAINS: tuple[str, ...] = ("mail.example", "inbox.example", "post.example", "webmail.example")

# Titles of contacts at other companies, by language and seniority. "executive" is the ground truth
# the classifier's rules are checked against; titles that merely look senior ("Executive Assistant
# to the CEO", "Account Executive", "Sr. Director") are deliberately in lower levels.
TITLES: dict[Language, dict[Level, tuple[TitleEntry, ...]]] = {
    "en": {
        "executive": (
            ("Chief Executive Officer", "Executive", ""),
            ("CEO", "Executive", ""),
            ("Co-Founder & CEO", "Executive", ""),
            ("President", "Executive", ""),
            ("President & COO", "Operations", ""),
            ("Chief Technology Officer", "Engineering", ""),
            ("CTO", "Engineering", ""),
            ("Founder and CTO", "Engineering", ""),
            ("Chief Financial Officer", "Finance", ""),
            ("CFO", "Finance", ""),
            ("Chief Operating Officer", "Operations", ""),
            ("COO", "Operations", ""),
            ("Chief Revenue Officer", "Sales", ""),
            ("CRO", "Sales", ""),
            ("SVP & Chief Revenue Officer", "Sales", ""),
            ("Chief Marketing Officer", "Marketing", ""),
            ("CMO", "Marketing", ""),
            ("Chief Product Officer", "Product", ""),
            ("Chief Partner Officer", "Partnerships", ""),
            ("Chief Strategy Officer", "Strategy", ""),
            ("Chief Information Officer", "IT", ""),
            ("CIO", "IT", ""),
            ("EVP, Global Sales", "Sales", ""),
            ("Executive Vice President, Strategy", "Strategy", ""),
            ("EVP Partnerships & Alliances", "Partnerships", ""),
            ("SVP Engineering", "Engineering", ""),
            ("Senior Vice President, Alliances", "Partnerships", ""),
            ("SVP, Corporate Development", "Strategy", ""),
            ("VP Sales, EMEA", "Sales", ""),
            ("VP of Partnerships", "Partnerships", ""),
            ("Vice President, Business Development", "Business Development", ""),
            ("V.P. Business Development", "Business Development", ""),
            ("VP, Global Alliances", "Partnerships", ""),
            ("Group Vice President, Channels", "Sales", ""),
            ("VP Engineering", "Engineering", ""),
            ("VP Marketing", "Marketing", ""),
            ("Vice President of Product", "Product", ""),
            ("VP Customer Success", "Customer Success", ""),
            ("Managing Director", "Executive", ""),
            ("General Manager, North America", "Executive", ""),
        ),
        "director": (
            ("Director of Partnerships", "Partnerships", ""),
            ("Sr. Director, Alliances", "Partnerships", ""),
            ("Senior Director, Channel Sales", "Sales", ""),
            ("Director, Business Development", "Business Development", ""),
            ("Head of Strategic Alliances", "Partnerships", ""),
            ("Head of Partner Marketing", "Marketing", ""),
            ("Director of Engineering", "Engineering", ""),
            ("Director, Solutions Architecture", "Engineering", ""),
            ("Director of Product Management", "Product", ""),
            ("Sales Director", "Sales", ""),
            ("Regional Sales Director, DACH", "Sales", ""),
            ("Director, Customer Success", "Customer Success", ""),
            ("Director of Finance", "Finance", ""),
            ("Head of IT Infrastructure", "IT", ""),
            ("Director, Procurement", "Procurement", ""),
            ("Assoc. Director, Alliances", "Partnerships", ""),
            ("Chief of Staff", "Executive", ""),
        ),
        "manager": (
            ("Partner Manager", "Partnerships", ""),
            ("Alliance Manager", "Partnerships", ""),
            ("Channel Account Manager", "Sales", ""),
            ("Engineering Manager", "Engineering", ""),
            ("Product Manager", "Product", ""),
            ("Senior Product Manager", "Product", ""),
            ("Marketing Manager", "Marketing", ""),
            ("Partner Marketing Manager", "Marketing", ""),
            ("Sales Manager", "Sales", ""),
            ("Customer Success Manager", "Customer Success", ""),
            ("IT Manager", "IT", ""),
            ("Procurement Manager", "Procurement", ""),
            ("Program Manager", "Operations", ""),
            ("Finance Manager", "Finance", ""),
        ),
        "individual": (
            ("Account Executive", "Sales", ""),
            ("Senior Account Executive", "Sales", ""),
            ("Solutions Engineer", "Engineering", ""),
            ("Software Engineer", "Engineering", ""),
            ("Senior Software Engineer", "Engineering", ""),
            ("Solutions Architect", "Engineering", ""),
            ("Business Analyst", "Operations", ""),
            ("Marketing Specialist", "Marketing", ""),
            ("Partner Operations Analyst", "Partnerships", ""),
            ("Sales Development Representative", "Sales", ""),
            ("Executive Assistant to the CEO", "Executive", ""),
            ("Executive Assistant", "Executive", ""),
            ("Consultant", "Consulting", ""),
            ("Technical Writer", "Product", ""),
            ("Financial Analyst", "Finance", ""),
            ("Buyer", "Procurement", ""),
        ),
    },
    "fr": {
        "executive": (
            ("Directeur Général", "Executive", "m"),
            ("Directrice Générale", "Executive", "f"),
            ("Président-Directeur Général", "Executive", "m"),
            ("Présidente-Directrice Générale", "Executive", "f"),
            ("Directeur Technique", "Engineering", "m"),
            ("Directrice Technique", "Engineering", "f"),
            ("Directeur Financier", "Finance", "m"),
            ("Directrice Financière", "Finance", "f"),
            ("Directeur Commercial", "Sales", "m"),
            ("Directrice Commerciale", "Sales", "f"),
            ("Vice-Président Alliances", "Partnerships", "m"),
            ("Directeur Général Adjoint", "Executive", "m"),
        ),
        "director": (
            ("Directrice des Partenariats", "Partnerships", "f"),
            ("Directeur des Partenariats", "Partnerships", "m"),
            ("Directeur des Alliances Stratégiques", "Partnerships", "m"),
            ("Responsable des Alliances", "Partnerships", ""),
            ("Directeur Régional des Ventes", "Sales", "m"),
        ),
        "manager": (
            ("Responsable Marketing", "Marketing", ""),
            ("Chef de Projet", "Operations", ""),
            ("Responsable Commercial", "Sales", "m"),
            ("Responsable Commerciale", "Sales", "f"),
            ("Chef de Produit", "Product", ""),
        ),
        "individual": (
            ("Ingénieur Commercial", "Sales", "m"),
            ("Ingénieure Commerciale", "Sales", "f"),
            ("Chargée de Communication", "Marketing", "f"),
            ("Chargé d'Affaires", "Sales", "m"),
            ("Ingénieur Logiciel", "Engineering", "m"),
            ("Consultante", "Consulting", "f"),
            ("Assistante de Direction", "Executive", "f"),
        ),
    },
    "de": {
        "executive": (
            ("Geschäftsführer", "Executive", "m"),
            ("Geschäftsführerin", "Executive", "f"),
            ("Vorstandsvorsitzender", "Executive", "m"),
            ("Vorstandsvorsitzende", "Executive", "f"),
            ("Vorstand Technik", "Engineering", ""),
            ("Mitglied des Vorstands", "Executive", ""),
            ("Kaufmännischer Geschäftsführer", "Finance", "m"),
            ("Technischer Geschäftsführer", "Engineering", "m"),
        ),
        "director": (
            ("Leiter Vertrieb", "Sales", "m"),
            ("Leiterin Vertrieb", "Sales", "f"),
            ("Bereichsleiter", "Operations", "m"),
            ("Bereichsleiterin", "Operations", "f"),
            ("Leiter Partnermanagement", "Partnerships", "m"),
            ("Head of Alliances DACH", "Partnerships", ""),
            ("Direktor Geschäftsentwicklung", "Business Development", "m"),
        ),
        "manager": (
            ("Abteilungsleiter IT", "IT", "m"),
            ("Teamleiterin Marketing", "Marketing", "f"),
            ("Projektleiter", "Operations", "m"),
            ("Projektleiterin", "Operations", "f"),
            ("Partnermanager", "Partnerships", "m"),
            ("Partnermanagerin", "Partnerships", "f"),
            ("Produktmanager", "Product", "m"),
        ),
        "individual": (
            ("Vertriebsmitarbeiter", "Sales", "m"),
            ("Vertriebsmitarbeiterin", "Sales", "f"),
            ("Softwareentwickler", "Engineering", "m"),
            ("Softwareentwicklerin", "Engineering", "f"),
            ("Berater", "Consulting", "m"),
            ("Beraterin", "Consulting", "f"),
            ("Referentin der Geschäftsführung", "Executive", "f"),
        ),
    },
    "es": {
        "executive": (
            ("Director General", "Executive", "m"),
            ("Directora General", "Executive", "f"),
            ("Consejero Delegado", "Executive", "m"),
            ("Directora de Tecnología", "Engineering", "f"),
            ("Director de Tecnología", "Engineering", "m"),
            ("Director Financiero", "Finance", "m"),
            ("Directora Financiera", "Finance", "f"),
            ("Vicepresidente de Alianzas", "Partnerships", "m"),
            ("Vicepresidenta de Ventas", "Sales", "f"),
            ("Director Comercial", "Sales", "m"),
            ("Presidenta Ejecutiva", "Executive", "f"),
        ),
        "director": (
            ("Directora de Alianzas Estratégicas", "Partnerships", "f"),
            ("Director Regional de Ventas", "Sales", "m"),
            ("Responsable de Alianzas", "Partnerships", ""),
            ("Jefe de Desarrollo de Negocio", "Business Development", "m"),
        ),
        "manager": (
            ("Gerente de Ventas", "Sales", ""),
            ("Gerente de Proyecto", "Operations", ""),
            ("Jefa de Producto", "Product", "f"),
            ("Jefe de Proyecto", "Operations", "m"),
            ("Gerente de Cuentas", "Sales", ""),
        ),
        "individual": (
            ("Consultor", "Consulting", "m"),
            ("Consultora", "Consulting", "f"),
            ("Ingeniero de Software", "Engineering", "m"),
            ("Ingeniera de Preventa", "Engineering", "f"),
            ("Ejecutivo de Cuentas", "Sales", "m"),
            ("Analista de Negocio", "Operations", ""),
            ("Asistente de Dirección", "Executive", ""),
        ),
    },
}
# Substrings of titles that a naive classifier might read as senior; kept away from the alliances
# that must have no partner executive at all, so that case stays unambiguous.
LOOKALIKE_MARKERS: tuple[str, ...] = (
    "Executive",
    "Ejecutivo",
    "CEO",
    "Direction",
    "Dirección",
    "Geschäftsführung",
)

# The internal company's own staff: (titles, department) per role.
STAFF_ROLES: dict[str, tuple[tuple[str, ...], str]] = {
    "alliance": (
        (
            "Alliance Manager",
            "Senior Alliance Manager",
            "Senior Partner Manager",
            "Partner Development Manager",
            "Strategic Alliance Manager",
            "Channel Partner Manager",
        ),
        "Partnerships",
    ),
    "sales": (
        (
            "Account Executive",
            "Senior Account Executive",
            "Enterprise Account Executive",
            "Sales Development Representative",
            "Regional Sales Manager",
        ),
        "Sales",
    ),
    "success": (
        (
            "Customer Success Manager",
            "Senior Customer Success Manager",
            "Technical Account Manager",
            "Onboarding Specialist",
        ),
        "Customer Success",
    ),
    "operations": (
        ("Revenue Operations Analyst", "Sales Operations Manager", "CRM Administrator", "Deal Desk Analyst"),
        "Operations",
    ),
}
ALLIANCE_MANAGER_TITLES: tuple[str, ...] = STAFF_ROLES["alliance"][0]

# Activity subjects; "{a}" is the account's short name, "{f}" the contact's first name.
SUBJECTS: dict[str, tuple[str, ...]] = {
    "call": (
        "Intro call",
        "Intro call with {f}",
        "Discovery call: {a}",
        "Call re: joint pipeline",
        "Partner check-in call",
        "Follow-up call with {f}",
        "Escalation call: {a} integration",
        "Pricing discussion",
        "Renewal call",
        "Call back {f}",
    ),
    "meeting": (
        "QBR with {a}",
        "Joint roadmap review",
        "Quarterly business review: {a}",
        "Co-selling workshop",
        "Technical deep dive",
        "Onboarding kickoff: {a}",
        "Partner enablement session",
        "Lunch with {f}",
        "Joint account planning",
        "Demo for {a}",
        "Integration design review",
    ),
    "email": (
        "Follow-up: co-marketing plan",
        "Re: joint roadmap",
        "Re: {a} renewal",
        "Intro: Northwind x {a}",
        "Deck from today's session",
        "Re: MDF request",
        "Fwd: partner portal access",
        "Proposal for {a}",
        "Re: pricing question",
        "Thanks for your time, {f}",
        "Re: integration timeline",
    ),
    "task": (
        "Send pricing proposal to {f}",
        "Follow up with {f}",
        "Update account plan for {a}",
        "Prepare QBR deck for {a}",
        "Log partner-sourced opportunities",
        "Renew NDA with {a}",
        "Schedule joint webinar",
        "Review co-marketing budget",
        "Send contract redlines",
        "Check in on integration certification",
    ),
    "note": (
        "Call notes: {a} integration",
        "Meeting notes: joint roadmap",
        "Notes from partner summit",
        "Account plan notes",
        "Org chart notes: {a}",
        "Competitive intel",
        "Risk: champion leaving {a}",
    ),
}
# Subjects of the sponsor's own touches with the partner executive.
SPONSOR_SUBJECTS: dict[str, tuple[str, ...]] = {
    "meeting": (
        "Executive sponsor meeting: {a}",
        "Exec alignment: Northwind x {a}",
        "Executive business review with {f}",
        "Dinner with {f}",
        "Sponsor check-in with {f}",
    ),
    "call": ("Exec sync with {f}", "Sponsor call: {a} partnership"),
    "email": ("Sponsor update: {a} partnership", "Re: executive alignment", "Quarterly note to {f}"),
}

_TRANSLITERATION = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"}
)


def ascii_slug(text: str, sep: str = "") -> str:
    """Lower-case ASCII form of a name for e-mail addresses and domains ("Müller" -> "mueller",
    "O'Brien" -> "obrien", "Da Silva" -> "dasilva" or "da-silva" with ``sep="-"``)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATION))
    words = ("".join(ch for ch in word if ch.isascii() and ch.isalnum()) for word in decomposed.split())
    return sep.join(word for word in words if word).lower()
