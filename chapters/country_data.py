"""Default chapters and the country → chapter mapping (pure data, no Django imports).

Used to seed the chapters and their countries; after that the secretariat edits chapters and
country assignments as data in the portal, so change this module only to change the defaults.

The grouping follows the UN regional groupings used by UNIDO:

- Arab States: the 22 League of Arab States members (incl. North Africa);
- Africa: the rest of Africa;
- Europe and Central Asia: all of Europe incl. Russia, Türkiye, Israel, Cyprus, the Caucasus and
  Central Asia;
- Asia and the Pacific: Iran, Afghanistan, South, East and South-East Asia, and Oceania;
- Latin America and the Caribbean: the Americas, incl. North America (see the note there).

Territories, Antarctica and uninhabited islands go to the nearest sensible chapter (commented).
Keys are exactly the ISO 3166-1 alpha-2 codes django-countries 9.1.0 knows (249 codes); a code
added through COUNTRIES_OVERRIDE (e.g. "XK", Kosovo) must be added here too.
"""

CHAPTERS: list[tuple[str, str]] = [
    ("africa", "Africa"),
    ("arab-states", "Arab States (Middle East and North Africa)"),
    ("asia-pacific", "Asia and the Pacific"),
    ("europe-central-asia", "Europe and Central Asia"),
    ("latin-america-caribbean", "Latin America and the Caribbean"),
]

# ISO 3166-1 alpha-2 → chapter slug. One line per code, grouped by chapter, sorted by name.
COUNTRY_CHAPTER: dict[str, str] = {
    # --- africa: Africa
    # Africa outside the League of Arab States, incl. African island territories.
    "AO": "africa",  # Angola
    "BJ": "africa",  # Benin
    "BW": "africa",  # Botswana
    # uninhabited apart from a military base; UN M49 places it in Eastern Africa
    "IO": "africa",  # British Indian Ocean Territory
    "BF": "africa",  # Burkina Faso
    "BI": "africa",  # Burundi
    "CV": "africa",  # Cabo Verde
    "CM": "africa",  # Cameroon
    "CF": "africa",  # Central African Republic
    "TD": "africa",  # Chad
    "CG": "africa",  # Congo
    "CI": "africa",  # Côte d'Ivoire
    "CD": "africa",  # Democratic Republic of the Congo
    "GQ": "africa",  # Equatorial Guinea
    "ER": "africa",  # Eritrea
    "SZ": "africa",  # Eswatini
    "ET": "africa",  # Ethiopia
    # uninhabited (research stations); southern Indian Ocean, UN M49 Eastern Africa
    "TF": "africa",  # French Southern Territories
    "GA": "africa",  # Gabon
    "GM": "africa",  # Gambia
    "GH": "africa",  # Ghana
    "GN": "africa",  # Guinea
    "GW": "africa",  # Guinea-Bissau
    "KE": "africa",  # Kenya
    "LS": "africa",  # Lesotho
    "LR": "africa",  # Liberia
    "MG": "africa",  # Madagascar
    "MW": "africa",  # Malawi
    "ML": "africa",  # Mali
    "MU": "africa",  # Mauritius
    # French overseas department in the Comoros archipelago
    "YT": "africa",  # Mayotte
    "MZ": "africa",  # Mozambique
    "NA": "africa",  # Namibia
    "NE": "africa",  # Niger
    "NG": "africa",  # Nigeria
    "RW": "africa",  # Rwanda
    # French overseas region off Madagascar
    "RE": "africa",  # Réunion
    # incl. Ascension and Tristan da Cunha; South Atlantic, nearest Africa
    "SH": "africa",  # Saint Helena
    "ST": "africa",  # Sao Tome and Principe
    "SN": "africa",  # Senegal
    "SC": "africa",  # Seychelles
    "SL": "africa",  # Sierra Leone
    "ZA": "africa",  # South Africa
    "SS": "africa",  # South Sudan
    "TZ": "africa",  # Tanzania
    "TG": "africa",  # Togo
    "UG": "africa",  # Uganda
    # not a League of Arab States member; African Union member (as SADR)
    "EH": "africa",  # Western Sahara
    "ZM": "africa",  # Zambia
    "ZW": "africa",  # Zimbabwe
    # --- arab-states: Arab States (Middle East and North Africa)
    # The 22 League of Arab States members, incl. the North African ones.
    "DZ": "arab-states",  # Algeria
    "BH": "arab-states",  # Bahrain
    "KM": "arab-states",  # Comoros
    "DJ": "arab-states",  # Djibouti
    "EG": "arab-states",  # Egypt
    "IQ": "arab-states",  # Iraq
    "JO": "arab-states",  # Jordan
    "KW": "arab-states",  # Kuwait
    "LB": "arab-states",  # Lebanon
    "LY": "arab-states",  # Libya
    "MR": "arab-states",  # Mauritania
    "MA": "arab-states",  # Morocco
    "OM": "arab-states",  # Oman
    "PS": "arab-states",  # Palestine
    "QA": "arab-states",  # Qatar
    "SA": "arab-states",  # Saudi Arabia
    "SO": "arab-states",  # Somalia
    "SD": "arab-states",  # Sudan
    "SY": "arab-states",  # Syria
    "TN": "arab-states",  # Tunisia
    "AE": "arab-states",  # United Arab Emirates
    "YE": "arab-states",  # Yemen
    # --- asia-pacific: Asia and the Pacific
    # Iran, Afghanistan, South, East and South-East Asia, and Oceania.
    "AF": "asia-pacific",  # Afghanistan
    "AS": "asia-pacific",  # American Samoa
    "AU": "asia-pacific",  # Australia
    "BD": "asia-pacific",  # Bangladesh
    "BT": "asia-pacific",  # Bhutan
    "BN": "asia-pacific",  # Brunei
    "KH": "asia-pacific",  # Cambodia
    "CN": "asia-pacific",  # China
    # Australian external territory (Indian Ocean)
    "CX": "asia-pacific",  # Christmas Island
    # Australian external territory (Indian Ocean)
    "CC": "asia-pacific",  # Cocos (Keeling) Islands
    "CK": "asia-pacific",  # Cook Islands
    "FJ": "asia-pacific",  # Fiji
    "PF": "asia-pacific",  # French Polynesia
    "GU": "asia-pacific",  # Guam
    # uninhabited; Australian external territory
    "HM": "asia-pacific",  # Heard Island and McDonald Islands
    "HK": "asia-pacific",  # Hong Kong
    "IN": "asia-pacific",  # India
    "ID": "asia-pacific",  # Indonesia
    # not an Arab State; Asia and the Pacific
    "IR": "asia-pacific",  # Iran
    "JP": "asia-pacific",  # Japan
    "KI": "asia-pacific",  # Kiribati
    "LA": "asia-pacific",  # Laos
    "MO": "asia-pacific",  # Macao
    "MY": "asia-pacific",  # Malaysia
    "MV": "asia-pacific",  # Maldives
    "MH": "asia-pacific",  # Marshall Islands
    "FM": "asia-pacific",  # Micronesia
    # UN Asia-Pacific group
    "MN": "asia-pacific",  # Mongolia
    "MM": "asia-pacific",  # Myanmar
    "NR": "asia-pacific",  # Naoero
    "NP": "asia-pacific",  # Nepal
    "NC": "asia-pacific",  # New Caledonia
    "NZ": "asia-pacific",  # New Zealand
    "NU": "asia-pacific",  # Niue
    # Australian external territory
    "NF": "asia-pacific",  # Norfolk Island
    "KP": "asia-pacific",  # North Korea
    "MP": "asia-pacific",  # Northern Mariana Islands
    "PK": "asia-pacific",  # Pakistan
    "PW": "asia-pacific",  # Palau
    "PG": "asia-pacific",  # Papua New Guinea
    "PH": "asia-pacific",  # Philippines
    # British overseas territory in the South Pacific
    "PN": "asia-pacific",  # Pitcairn
    "WS": "asia-pacific",  # Samoa
    "SG": "asia-pacific",  # Singapore
    "SB": "asia-pacific",  # Solomon Islands
    "KR": "asia-pacific",  # South Korea
    "LK": "asia-pacific",  # Sri Lanka
    "TW": "asia-pacific",  # Taiwan
    "TH": "asia-pacific",  # Thailand
    "TL": "asia-pacific",  # Timor-Leste
    "TK": "asia-pacific",  # Tokelau
    "TO": "asia-pacific",  # Tonga
    "TV": "asia-pacific",  # Tuvalu
    # uninhabited Pacific atolls (and Navassa in the Caribbean); mostly Pacific
    "UM": "asia-pacific",  # United States Minor Outlying Islands
    "VU": "asia-pacific",  # Vanuatu
    "VN": "asia-pacific",  # Vietnam
    "WF": "asia-pacific",  # Wallis and Futuna
    # --- europe-central-asia: Europe and Central Asia
    # All of Europe incl. Russia, Türkiye, Israel, Cyprus, the Caucasus and Central Asia.
    "AL": "europe-central-asia",  # Albania
    "AD": "europe-central-asia",  # Andorra
    "AM": "europe-central-asia",  # Armenia
    "AT": "europe-central-asia",  # Austria
    "AZ": "europe-central-asia",  # Azerbaijan
    "BY": "europe-central-asia",  # Belarus
    "BE": "europe-central-asia",  # Belgium
    "BA": "europe-central-asia",  # Bosnia and Herzegovina
    "BG": "europe-central-asia",  # Bulgaria
    "HR": "europe-central-asia",  # Croatia
    # grouped with Europe (EU member)
    "CY": "europe-central-asia",  # Cyprus
    "CZ": "europe-central-asia",  # Czechia
    "DK": "europe-central-asia",  # Denmark
    "EE": "europe-central-asia",  # Estonia
    "FO": "europe-central-asia",  # Faroe Islands
    "FI": "europe-central-asia",  # Finland
    "FR": "europe-central-asia",  # France
    "GE": "europe-central-asia",  # Georgia
    "DE": "europe-central-asia",  # Germany
    "GI": "europe-central-asia",  # Gibraltar
    "GR": "europe-central-asia",  # Greece
    "GG": "europe-central-asia",  # Guernsey
    "HU": "europe-central-asia",  # Hungary
    "IS": "europe-central-asia",  # Iceland
    "IE": "europe-central-asia",  # Ireland
    "IM": "europe-central-asia",  # Isle of Man
    # grouped with Europe and Central Asia (not in the Arab States chapter)
    "IL": "europe-central-asia",  # Israel
    "IT": "europe-central-asia",  # Italy
    "JE": "europe-central-asia",  # Jersey
    "KZ": "europe-central-asia",  # Kazakhstan
    "KG": "europe-central-asia",  # Kyrgyzstan
    "LV": "europe-central-asia",  # Latvia
    "LI": "europe-central-asia",  # Liechtenstein
    "LT": "europe-central-asia",  # Lithuania
    "LU": "europe-central-asia",  # Luxembourg
    "MT": "europe-central-asia",  # Malta
    "MD": "europe-central-asia",  # Moldova
    "MC": "europe-central-asia",  # Monaco
    "ME": "europe-central-asia",  # Montenegro
    "NL": "europe-central-asia",  # Netherlands
    "MK": "europe-central-asia",  # North Macedonia
    "NO": "europe-central-asia",  # Norway
    "PL": "europe-central-asia",  # Poland
    "PT": "europe-central-asia",  # Portugal
    "RO": "europe-central-asia",  # Romania
    "RU": "europe-central-asia",  # Russia
    "SM": "europe-central-asia",  # San Marino
    "RS": "europe-central-asia",  # Serbia
    "SK": "europe-central-asia",  # Slovakia
    "SI": "europe-central-asia",  # Slovenia
    "ES": "europe-central-asia",  # Spain
    # Norwegian Arctic territory
    "SJ": "europe-central-asia",  # Svalbard and Jan Mayen
    "SE": "europe-central-asia",  # Sweden
    "CH": "europe-central-asia",  # Switzerland
    "TJ": "europe-central-asia",  # Tajikistan
    "TM": "europe-central-asia",  # Turkmenistan
    # with Europe and Central Asia, as in UNIDO regional programmes
    "TR": "europe-central-asia",  # Türkiye
    "UA": "europe-central-asia",  # Ukraine
    "GB": "europe-central-asia",  # United Kingdom
    "UZ": "europe-central-asia",  # Uzbekistan
    "VA": "europe-central-asia",  # Vatican City
    "AX": "europe-central-asia",  # Åland Islands
    # --- latin-america-caribbean: Latin America and the Caribbean
    # Latin America and the Caribbean. North America (US, Canada, Bermuda, Greenland,
    # Saint Pierre and Miquelon) sits here only so that every code has a chapter: there is no
    # North American chapter. The secretariat can change this as data (see the module docstring).
    "AI": "latin-america-caribbean",  # Anguilla
    # no country: mapped to the nearest chapter (the Antarctic Peninsula faces South America)
    "AQ": "latin-america-caribbean",  # Antarctica
    "AG": "latin-america-caribbean",  # Antigua and Barbuda
    "AR": "latin-america-caribbean",  # Argentina
    "AW": "latin-america-caribbean",  # Aruba
    "BS": "latin-america-caribbean",  # Bahamas (The)
    "BB": "latin-america-caribbean",  # Barbados
    "BZ": "latin-america-caribbean",  # Belize
    # North Atlantic; British overseas territory
    "BM": "latin-america-caribbean",  # Bermuda
    "BO": "latin-america-caribbean",  # Bolivia
    "BQ": "latin-america-caribbean",  # Bonaire, Sint Eustatius and Saba
    # uninhabited Norwegian island in the South Atlantic; UN M49 South America
    "BV": "latin-america-caribbean",  # Bouvet Island
    "BR": "latin-america-caribbean",  # Brazil
    # North America: see the note at the top of this chapter
    "CA": "latin-america-caribbean",  # Canada
    "KY": "latin-america-caribbean",  # Cayman Islands
    "CL": "latin-america-caribbean",  # Chile
    "CO": "latin-america-caribbean",  # Colombia
    "CR": "latin-america-caribbean",  # Costa Rica
    "CU": "latin-america-caribbean",  # Cuba
    "CW": "latin-america-caribbean",  # Curaçao
    "DM": "latin-america-caribbean",  # Dominica
    "DO": "latin-america-caribbean",  # Dominican Republic
    "EC": "latin-america-caribbean",  # Ecuador
    "SV": "latin-america-caribbean",  # El Salvador
    # South Atlantic; UN M49 South America
    "FK": "latin-america-caribbean",  # Falkland Islands (Malvinas)
    "GF": "latin-america-caribbean",  # French Guiana
    # North America geographically (self-governing part of the Kingdom of Denmark)
    "GL": "latin-america-caribbean",  # Greenland
    "GD": "latin-america-caribbean",  # Grenada
    "GP": "latin-america-caribbean",  # Guadeloupe
    "GT": "latin-america-caribbean",  # Guatemala
    "GY": "latin-america-caribbean",  # Guyana
    "HT": "latin-america-caribbean",  # Haiti
    "HN": "latin-america-caribbean",  # Honduras
    "JM": "latin-america-caribbean",  # Jamaica
    "MQ": "latin-america-caribbean",  # Martinique
    "MX": "latin-america-caribbean",  # Mexico
    "MS": "latin-america-caribbean",  # Montserrat
    "NI": "latin-america-caribbean",  # Nicaragua
    "PA": "latin-america-caribbean",  # Panama
    "PY": "latin-america-caribbean",  # Paraguay
    "PE": "latin-america-caribbean",  # Peru
    "PR": "latin-america-caribbean",  # Puerto Rico
    "BL": "latin-america-caribbean",  # Saint Barthélemy
    "KN": "latin-america-caribbean",  # Saint Kitts and Nevis
    "LC": "latin-america-caribbean",  # Saint Lucia
    "MF": "latin-america-caribbean",  # Saint Martin (French part)
    # French territory off Canada
    "PM": "latin-america-caribbean",  # Saint Pierre and Miquelon
    "VC": "latin-america-caribbean",  # Saint Vincent and the Grenadines
    "SX": "latin-america-caribbean",  # Sint Maarten (Dutch part)
    # uninhabited apart from research staff; South Atlantic, UN M49 South America
    "GS": "latin-america-caribbean",  # South Georgia
    "SR": "latin-america-caribbean",  # Suriname
    "TT": "latin-america-caribbean",  # Trinidad and Tobago
    "TC": "latin-america-caribbean",  # Turks and Caicos Islands
    # North America: see the note at the top of this chapter
    "US": "latin-america-caribbean",  # United States of America
    "UY": "latin-america-caribbean",  # Uruguay
    "VE": "latin-america-caribbean",  # Venezuela
    "VG": "latin-america-caribbean",  # Virgin Islands (British)
    "VI": "latin-america-caribbean",  # Virgin Islands (U.S.)
}
