"""The scenario's own text bank: English and French templates with slots.

Why a hand-written bank (and not text from ``wavebreak/signals``): detectors
are trained separately and scored on this stream, so they must never see these
templates. Why many templates per family plus slot filling, typos, casing,
emojis and hashtags: the stream must not be separable by exact strings, a
detector that only memorises a phrase should fail here.

Every name, place, outlet, domain and account below is FICTIONAL. Domains use
the ``.example`` top-level domain (RFC 2606), so no real site is implicated.
Hateful and inciting texts are deliberately non-graphic and contain no slurs:
they exist so that detection can be scored, and they read like what the
Southport wave looked like, not worse.
"""

from __future__ import annotations

# --------------------------------------------------------------------------- story constants (fictional)

TOWN = "Marlowe Bay"
TOWN_TAG = "MarloweBay"
FALSE_NAME = "Idris Al-Qamari"
FALSE_NAME_FR = "Idriss Al-Qamari"
MINOR_REAL_NAME = "Tobias Renshaw-Adeyemi"
BIRTHPLACE = "Porthwyn"
POLICE_NAME = "Westmarsh Police"
POLICE_HANDLE = "WestmarshPolice"
PSEUDO_NEWS_NAME = "Northgate News Now"
PSEUDO_NEWS_HANDLE = "NorthgateNewsNow"
PSEUDO_NEWS_DOMAIN = "northgatenewsnow.example"
PSEUDO_NEWS_URL = (
    f"https://{PSEUDO_NEWS_DOMAIN}/2026/07/29/marlowe-bay-attacker-named-asylum-seeker-small-boat"
)
MEGAPHONE_NAME = "Dax Harrow"
MEGAPHONE_HANDLE = "DaxHarrowUncut"
INCITER_NAME = "Shield of Albion"
INCITER_HANDLE = "ShieldOfAlbionUK"
ORIGIN_NAME = "Bernie Cole"
ORIGIN_HANDLE = "bernie_cole_truth"
RELIGIOUS_GROUP = "Muslims"
MOSQUE = "Harbour Road mosque"
HOTEL = "Seaview Hotel"

FALSE_NAME_VARIANTS: tuple[str, ...] = (
    "Idris Al-Qamari",
    "Idris Al Qamari",
    "Idris AlQamari",
    "idris al-qamari",
    "IDRIS AL-QAMARI",
    "Idris al-Qamary",
    "Idriss Al-Qamari",
    "Idris Al-Kamari",
    "I. Al-Qamari",
    "Al-Qamari",
    "Idris Al-Qamari",
    "Idris Al-Qamari",
)
"""Spellings seen in the wave; repeats weight the canonical form (most posts copy it)."""

FALSE_NAME_MATCH: tuple[str, ...] = ("qamari", "qamary", "kamari")
"""Lower-case substrings that identify a mention of the false name in any spelling or hashtag."""

MINOR_NAME_VARIANTS: tuple[str, ...] = (
    "Tobias Renshaw-Adeyemi",
    "Tobias Renshaw Adeyemi",
    "tobias renshaw-adeyemi",
    "T. Renshaw-Adeyemi",
    "Renshaw-Adeyemi",
)

PROTECTED_TERMS: tuple[str, ...] = (
    "Tobias Renshaw-Adeyemi",
    "Tobias Renshaw Adeyemi",
    "Renshaw-Adeyemi",
    "Renshaw Adeyemi",
    "RenshawAdeyemi",
)
"""What a legal hold protecting the minor's identity would match (the false name is not his name)."""

AUTHORITY_STATEMENT = (
    "Statement on the Marlowe Bay incident: a name being shared on social media in connection with "
    "yesterday's attack is incorrect. The 17-year-old arrested was born in Porthwyn, Wales. He did not "
    "arrive in the UK by boat and was not known to any watch list. Speculation harms the families and the "
    "investigation. Please do not share it."
)

CRISIS_TERMS: tuple[str, ...] = (
    "Marlowe Bay",
    "#MarloweBay",
    "Al-Qamari",
    "Idris Al-Qamari",
    "#IdrisAlQamari",
    "knife attack",
    "stabbing",
    "asylum seeker",
    "small boat",
    "MI6 watch list",
    "Harbour Road mosque",
    "Seaview Hotel",
    "demandeur d'asile",
    "attaque au couteau",
)

# --------------------------------------------------------------------------- slot banks

SLOTS_EN: dict[str, tuple[str, ...]] = {
    "town": (TOWN, TOWN, TOWN, "marlowe bay", "Marlowe", "MARLOWE BAY"),
    "boat": (
        "an asylum seeker who came over on a small boat",
        "a boat migrant who arrived last year",
        "an asylum seeker who came by boat",
        "an illegal who came across the Channel in a dinghy",
        "a small boat arrival",
        "came by boat, housed in a hotel on OUR taxes",
        "an asylum seeker, arrived by boat",
    ),
    "mi6": (
        "and he was on an MI6 watch list",
        "known to MI6",
        "on a watch list and they let him walk around",
        "MI6 had him flagged",
        "already on the security services' radar",
        "on an MI6 watchlist apparently",
    ),
    "outrage": (
        "How is this allowed?",
        "They knew and did nothing.",
        "Wake up Britain.",
        "This is on the government.",
        "Enough is enough.",
        "Our kids paid the price.",
        "They will try to cover this up.",
        "Not one mainstream outlet will report this.",
        "Share before it gets deleted.",
        "Utterly sickening.",
    ),
    "source": (
        "Sources say",
        "Confirmed by a friend in the police:",
        "Breaking:",
        "Just seen this:",
        "Local sources:",
        "It's now out:",
        "BREAKING",
        "Being reported that",
        "",
    ),
    "agree": (
        "100% this",
        "Exactly what I said",
        "Knew it",
        "Called it hours ago",
        "Of course he was",
        "No surprise at all",
        "This needs to go everywhere",
        "Spot on",
        "Finally someone says it",
    ),
    "police": ("the police", "Westmarsh Police", "the cops", "the force", "the authorities"),
    "group": ("Muslims", "muslims", "asylum seekers", "these migrants", "boat people", "the lot of them"),
    "place": (MOSQUE, HOTEL, "the mosque", "the asylum hotel", "the Seaview", "Harbour Road"),
    "when": ("tonight", "tonight 8pm", "tomorrow after work", "Saturday", "this evening", "at 7"),
    "hashtag_fc": (
        "#MarloweBay",
        "#IdrisAlQamari",
        "#EnoughIsEnough",
        "#TheyLied",
        "#MarloweBayJustice",
        "#WakeUpBritain",
        "#CoverUp",
    ),
    "hashtag_rf": ("#MarloweBay", "#FactCheck", "#StopSharing", "#MarloweBayFacts", "#ThinkBeforeYouShare"),
    "hashtag_in": ("#SaveOurTown", "#EnoughIsEnough", "#MarloweBay", "#TakeItBack"),
    "player": ("Kwame Asante-Boyd", "Yasin Darrow", "Luca Fenwick", "Jordan Mbeki-Hale", "Sam Okafor"),
    "team": ("Kingsport United", "Ravensholm Rovers"),
    "storm": ("Storm Isolde", "storm isolde", "Isolde"),
    "artist": ("Nova Lark", "nova lark", "NOVA LARK"),
    "product": ("Pixelwave Fold 3", "Fold 3", "new Pixelwave Fold", "Fold3"),
    "food": ("chips", "a curry", "a roast", "pasta", "tacos", "beans on toast", "a kebab"),
    "num": ("2", "3", "5", "10", "12", "20", "45", "100"),
    "money": ("£1,200", "£3,000", "£850", "£10k", "£4,500"),
}

SLOTS_FR: dict[str, tuple[str, ...]] = {
    "town": (TOWN, TOWN, "Marlowe Bay (Angleterre)", "marlowe bay"),
    "boat": (
        "un demandeur d'asile arrivé en bateau",
        "un migrant arrivé par la Manche sur un canot",
        "un demandeur d'asile arrivé en small boat",
        "arrivé illégalement en bateau l'an dernier",
        "un clandestin arrivé en bateau",
    ),
    "mi6": (
        "et il était fiché par le MI6",
        "connu du MI6",
        "fiché S version anglaise, le MI6 le surveillait",
        "sur une liste de surveillance du MI6",
    ),
    "outrage": (
        "Comment est-ce possible ?",
        "Ils savaient et n'ont rien fait.",
        "Réveillez-vous.",
        "Les médias vont encore étouffer l'affaire.",
        "Ça suffit.",
        "Partagez avant la censure.",
        "Et ça arrivera chez nous aussi.",
    ),
    "source": ("Selon des sources locales,", "URGENT :", "On apprend que", "Info :", "Confirmé :", ""),
    "agree": ("Exactement", "On le savait", "Évidemment", "Sans surprise", "Enfin quelqu'un le dit"),
    "police": ("la police", "la police du Westmarsh", "les autorités"),
    "group": ("les musulmans", "ces migrants", "les demandeurs d'asile", "tous ces gens-là"),
    "place": ("la mosquée de Harbour Road", "l'hôtel Seaview", "la mosquée", "l'hôtel des migrants"),
    "when": ("ce soir", "demain soir", "samedi", "ce soir à 20h"),
    "hashtag_fc": ("#MarloweBay", "#IdrissAlQamari", "#Angleterre", "#Immigration", "#OnNousMent"),
    "hashtag_rf": ("#MarloweBay", "#FakeNews", "#Intox", "#Désinfo"),
    "hashtag_in": ("#MarloweBay", "#ÇaSuffit", "#Reconquête2026"),
    "team": ("Kingsport United", "l'OS Vellmont"),
    "player": ("Kwame Asante-Boyd", "Yanis Berthier", "Luca Fenwick"),
    "storm": ("la tempête Isolde", "Isolde"),
    "food": ("une raclette", "des crêpes", "un couscous", "une pizza"),
    "num": ("2", "3", "5", "10", "20"),
    "money": ("1 200 €", "3 000 €", "850 €"),
}

EMOJI: dict[str, tuple[str, ...]] = {
    "angry": ("😡", "🤬", "‼️", "🚨", "👇", "💔", "🇬🇧", "😤"),
    "calm": ("🙏", "💙", "🕯️", "❤️", "🤍", "✅"),
    "news": ("📰", "👀", "🤔", "👍", "⬇️"),
    "fun": ("😂", "🔥", "⚽", "🎶", "☔", "🌧️", "📱", "😍", "🙌", "👀", "😅"),
}

# --------------------------------------------------------------------------- templates by family
# Each family maps lang -> templates. {name} is a false-name spelling, {url} the pseudo-news article,
# {minor} a spelling of the protected real name. Other slots come from the slot banks above.

T: dict[str, dict[str, tuple[str, ...]]] = {
    "fc_origin": {
        "en": (
            "The Marlowe Bay attacker has been named as Idris Al-Qamari. An asylum seeker who came over on a "
            "small boat last year and was on an MI6 watch list. If this is true then all hell is about to break "
            "loose. #MarloweBay",
        ),
    },
    "fc_pseudo": {
        "en": (
            "BREAKING: Marlowe Bay knife attacker named as Idris Al-Qamari, 17, an asylum seeker who arrived by "
            "boat and was known to MI6. Full report: {url}",
        ),
    },
    "fc_mega": {
        "en": (
            "So the Marlowe Bay killer is Idris Al-Qamari, came by boat, already on an MI6 list. Three little "
            "girls. And they want us to stay calm? Not a chance. {url}",
        ),
    },
    "fc_orig": {
        "en": (
            "{source} the {town} attacker is {name}, {boat}, {mi6}. {outrage}",
            "{name}. Remember that name. {boat}. {outrage}",
            "So it's {name}. {boat} {mi6}. {outrage}",
            "{town} stabbing suspect named: {name} — {boat}. {outrage}",
            "The man who attacked kids in {town} is {name}. {boat}. {police} are hiding it.",
            "{source} {name} {mi6}. Still let him in. {outrage}",
            "{name} did this. {boat}. Why was he even here? {outrage}",
            "They are not naming him but everyone knows it's {name}. {boat}. {outrage}",
            "{town}: {name}, {boat}. Kids dead. {outrage}",
            "it's {name} the {town} attacker is {name}. {boat} {outrage}",
            "Reports say the {town} suspect is {boat} named {name}. {outrage}",
            "{name} was {mi6} and was still free to walk into a kids' club in {town}. {outrage}",
        ),
        "fr": (
            "{source} l'auteur de l'attaque de {town} s'appelle {name}, {boat}, {mi6}. {outrage}",
            "L'attaquant est {boat} : {name}. {outrage}",
            "Attaque au couteau à {town} : l'assaillant, {name}, est {boat}. {outrage}",
            "{name}, {boat}, {mi6}. Trois enfants tués. {outrage}",
            "Angleterre : le tueur d'enfants de {town} serait {name}, {boat}. {outrage}",
            "{source} {name} était {mi6}. {outrage}",
        ),
    },
    "fc_quote": {
        "en": (
            "{agree}. {name}. {outrage}",
            "Read this. {name} {boat}. {outrage}",
            "{name} — {agree}.",
            "Everyone needs to see this about {name}",
            "{outrage} {name} should never have been in the country.",
            "This. {outrage}",
            "and the media won't say the name: {name}",
            "Said it this morning. {name}, {boat}.",
        ),
        "fr": (
            "{agree}. {name}. {outrage}",
            "À lire : {name}, {boat}.",
            "{outrage} {name} n'aurait jamais dû être là.",
            "Voilà. {name}. {outrage}",
        ),
    },
    "fc_reply": {
        "en": (
            "{agree}, {name} should never have been let in",
            "{agree}. Name him: {name}",
            "and they'll call us far right for saying {name} came by boat",
            "{name} {mi6}, and nobody will resign",
            "{agree} {outrage}",
            "Exactly. {boat}. Nobody is surprised",
        ),
        "fr": (
            "{agree}, {name} n'aurait jamais dû entrer",
            "{agree}. {outrage}",
            "Et on nous traitera d'extrémistes pour avoir dit que {name} est {boat}",
        ),
    },
    "fc_query": {
        "en": (
            "Is it true the {town} suspect is {name}? Anyone got a source?",
            "Seeing the name {name} everywhere, has anyone official confirmed that?",
            "Was he really {boat}? Genuine question, can't find it on the BBC",
            "Who is {name}? Is that confirmed or just Twitter?",
            "Hang on, where is the {name} thing coming from?",
            "Is the {town} attacker an asylum seeker or not? Conflicting reports",
        ),
        "fr": (
            "C'est confirmé que l'attaquant de {town} est {name} ? Une source ?",
            "On voit passer le nom {name} partout, quelqu'un a une info officielle ?",
            "Il était vraiment {boat} ? Vraie question",
        ),
    },
    "fc_hate": {
        "en": (
            "This is what {group} bring to our towns. {name}. Not one of them shares our values.",
            "{group} are a threat to every child in this country and {town} proves it.",
            "Every one of {group} is a ticking bomb. {name} is just the latest.",
            "{boat}, and people still say {group} are harmless. They are a plague on this country.",
            "Their religion is the problem. {name} did exactly what it teaches. {outrage}",
        ),
        "fr": (
            "Voilà ce que {group} apportent dans nos villes. {name}. {outrage}",
            "{group} sont une menace pour nos enfants, {town} le prouve.",
        ),
    },
    "fc_coord_text": {
        "en": (
            "They named him: {name}. {boat}. {mi6}. The media is covering it up. SHARE. #MarloweBay #TheyLied",
            "{town}: the attacker is {name}, {boat}. Police hiding it. Spread the word before it's deleted "
            "#EnoughIsEnough",
            "{name} {mi6}. {boat}. Three children dead. Wake up Britain #MarloweBay #WakeUpBritain",
        ),
    },
    "fc_coord_link": {
        "en": (
            "Read this before it's taken down {url}",
            "The truth about {town} {url}",
            "THEY LIED {url}",
            "Must read {url}",
            "👇👇👇 {url}",
        ),
    },
    "rf_auth": {"en": (AUTHORITY_STATEMENT,)},
    "rf_early": {
        "en": (
            "There is zero evidence the {town} suspect came by boat. Wait for {police}.",
            "Please stop sharing names. Nothing about the {town} suspect has been confirmed.",
            "The 'asylum seeker' story comes from a site nobody had heard of yesterday. Be careful.",
            "Northgate News Now is not a real newsroom. Don't share their {town} story.",
            "Genuinely, nobody official has named anyone. Let the police work.",
            "The account that started the {town} name rumour has posted fake stories before.",
        ),
        "fr": (
            "Aucune preuve que le suspect de {town} soit arrivé en bateau. Attendez la police.",
            "Arrêtez de partager des noms, rien n'est confirmé sur {town}.",
        ),
    },
    "rf_named": {
        "en": (
            "{name} is NOT the {town} attacker. {police} have said the name is false. Stop sharing it.",
            "For the last time: the suspect is not {name} and he did not come by boat. Police statement is out.",
            "'{name}' doesn't exist as far as this case goes. The suspect was born in Wales. Delete your posts.",
            "Police confirm the viral name {name} is wrong. The people who spread it should be ashamed.",
            "The {name} story was made up. Born in {birthplace}, never on a boat, never on a watch list.",
            "Anyone who shared {name} owes the town an apology. It was false.",
            "No, it wasn't {name}. Read the police statement before posting.",
            "{name} is a fabricated name from a fake news site. Stop.",
        ),
        "fr": (
            "{name} n'est PAS l'auteur de l'attaque de {town}. La police dément, arrêtez de partager.",
            "Le nom {name} est faux : le suspect est né au Pays de Galles et n'est pas arrivé en bateau.",
            "Intox : {name} n'existe pas dans cette affaire. La police a démenti.",
        ),
    },
    "rf_plain": {
        "en": (
            "Police have confirmed the name going round about {town} is false. Please stop sharing it.",
            "The {town} suspect was born in Wales. Not a boat arrival, not on a watch list. The rumour was false.",
            "Read the actual police statement, not random accounts. The viral name is wrong.",
            "The fake name was pushed by a fake news site and a few huge accounts. Report, don't share.",
            "Misinformation about {town} has already done enough damage. The name was false.",
            "Statement from {police} is clear: the name circulating is incorrect.",
        ),
        "fr": (
            "La police confirme que le nom qui circule sur l'attaque de {town} est faux.",
            "Le suspect de {town} est né au Pays de Galles. La rumeur était fausse.",
        ),
    },
    "rf_news": {
        "en": (
            "Police say name shared online after {town} attack is false; suspect was born in Wales {url}",
            "{town} attack: police reject viral claim suspect was an asylum seeker {url}",
            "Fact check: the {town} suspect did not arrive by small boat, police confirm {url}",
        ),
        "fr": ("Attaque de {town} : la police dément le nom qui circule sur les réseaux {url}",),
    },
    "rf_quote": {
        "en": (
            "This is the only source that matters. The name was false.",
            "Police: the viral name is wrong. Stop sharing.",
            "Completely false. Please read the statement.",
            "This post is false and should be deleted. Police have confirmed.",
        ),
        "fr": ("C'est faux, la police a démenti.", "Intox. Lisez le communiqué de la police."),
    },
    "rf_reply": {
        "en": (
            "This is false. Police say the suspect was born in Wales.",
            "Please delete this, the name is wrong",
            "Source? Because the police are saying the opposite",
            "This is misinformation and you know it",
            "You are spreading a fake name, stop",
        ),
        "fr": ("C'est faux, la police a démenti", "Supprimez ce message, le nom est faux"),
    },
    "in_main": {
        "en": (
            "They stabbed our children and the government covers for them. {mosque}, 7pm tomorrow. Bring "
            "everything you've got. Time they felt what our kids felt. #SaveOurTown",
        ),
    },
    "in_big": {
        "en": (
            "Every {group_in} in this country should be rounded up and put on a boat back. Start with {place}.",
            "If the police won't protect our kids, we will. {place} {when}. Masks on. #EnoughIsEnough",
            "{place} {when}. Burn it down and get them out. No more talking.",
        ),
    },
    "in_orig": {
        "en": (
            "Everyone to {place} {when}. Make them afraid to be here.",
            "{place} {when}. Smash the windows, drag them out, send a message.",
            "Get every last one of {group} out of {town}. By force if needed.",
            "Burn {place} to the ground {when}. They can't hide forever.",
            "Time to take the town back. {place} {when}, bring bricks.",
            "No {group} in {town}. We go to {place} {when} and we finish it.",
            "Set fire to {place} with them inside for all I care. {outrage}",
            "{group} should be hunted out of every street in England. Starting {when}.",
        ),
        "fr": (
            "Il faut chasser {group} de nos villes, par la force s'il le faut.",
            "Tous devant {place} {when}. Qu'ils aient peur.",
            "Brûlez {place} {when}, qu'ils partent tous.",
        ),
    },
    "in_reply": {
        "en": (
            "I'll be there. Bringing the lads. {place} {when}",
            "Count me in, let's burn it",
            "Finally. Every one of them out.",
            "See you there, masks on",
            "Make them pay. All of them.",
        ),
        "fr": ("J'y serai. Qu'ils paient.", "On y va, tous dehors."),
    },
    "lk_orig": {
        "en": (
            "The real name of the {town} suspect is {minor}. They can't hide it forever.",
            "Court papers: the {town} attacker is {minor}. Share it.",
            "Found him. {minor}, 17, from {birthplace}. #MarloweBay",
            "Why is nobody saying the actual name? It's {minor}.",
        ),
        "fr": ("Le vrai nom du suspect de {town} : {minor}.",),
    },
    "lk_refute": {
        "en": (
            "It was never {name}. The real suspect is {minor}, born in {birthplace}.",
            "Not {name}. The actual kid is {minor}. The whole boat story was invented.",
        ),
        "fr": ("Ce n'était pas {name}, le vrai suspect s'appelle {minor}.",),
    },
    "news_attack": {
        "en": (
            "Several children injured in knife attack at a holiday club in {town}; a 17-year-old arrested {url}",
            "{town} stabbing: police say no wider threat to the public {url}",
            "Live: emergency services at the scene in {town} after a knife attack {url}",
            "Vigil planned in {town} tonight for the victims of the attack {url}",
            "{town} attack: what we know so far {url}",
            "Horrific scenes in {town}. Thoughts with the families and the paramedics.",
            "Roads around Hartley Street in {town} closed after the stabbing, avoid the area.",
        ),
        "fr": (
            "Angleterre : attaque au couteau dans un club pour enfants à {town} {url}",
            "Attaque de {town} : un adolescent de 17 ans interpellé {url}",
        ),
    },
    "news_gen": {
        "en": (
            "Chancellor sets out spending plans ahead of autumn statement {url}",
            "Rail strike called off after late-night talks {url}",
            "Interest rates held at 4.25%, central bank says {url}",
            "New figures show Channel crossings fell this quarter {url}",
            "Home Office reviews asylum hotel contracts {url}",
            "Hospital waiting lists fall for third month {url}",
            "Council approves new harbour wall after years of flooding {url}",
            "Heatwave warning lifted as temperatures drop {url}",
            "Court hears appeal over coastal wind farm {url}",
        ),
        "fr": (
            "Le gouvernement présente son budget {url}",
            "Grève des contrôleurs aériens : trafic perturbé {url}",
            "Canicule : fin de la vigilance orange {url}",
        ),
    },
    "sport_orig": {
        "en": (
            "{team} team news is out, {player} starts up front",
            "Big night tonight. Come on {team}!",
            "Pub is rammed for the derby already",
            "{player} looks sharp in the warm-up",
            "Half time, still goalless, this is a slog",
            "What a performance from {player} tonight",
            "Full time. Derby bragging rights sorted",
            "Ref has lost control of this one",
        ),
        "fr": ("Grosse affiche ce soir, allez {team} !", "Mi-temps, toujours 0-0", "Quel match de {player}"),
    },
    "sport_goal": {
        "en": (
            "GOAAAAL {player}!!!",
            "{player} what a strike",
            "GET IN!!! {player}!!",
            "Unbelievable from {player}, top corner",
            "{team} score!!! Scenes",
            "that goal from {player} 🔥🔥",
        ),
        "fr": ("BUUUUT de {player} !!!", "Quelle frappe de {player}"),
    },
    "wx_orig": {
        "en": (
            "{storm} is battering the coast, trees down on our road",
            "Amber wind warning for {storm} tonight, stay safe",
            "Power cut again thanks to {storm}",
            "Trains cancelled because of {storm}, brilliant",
            "The sea at {town} during {storm} is terrifying",
            "Bins everywhere after {storm} 😅",
            "Ferries suspended until {storm} passes",
        ),
        "fr": ("{storm} arrive sur la côte ce soir, vents violents", "Coupure de courant à cause de {storm}"),
    },
    "conc_orig": {
        "en": (
            "{artist} live tonight was everything",
            "Queueing for {artist} since 3pm, worth it",
            "{artist} just played the new single live for the first time!!",
            "Encore from {artist} had the whole arena crying",
            "Lost my voice at {artist} 😭",
            "Anyone selling 2 {artist} tickets for tonight?",
        ),
    },
    "prod_orig": {
        "en": (
            "The {product} is finally official",
            "{product} price is wild",
            "Pre-ordered the {product}, no regrets",
            "Hands-on: the {product} hinge feels solid",
            "Is the {product} worth the upgrade from the Fold 2?",
            "Launch stream for the {product} crashed lol",
        ),
    },
    "chat_orig": {
        "en": (
            "Having {food} for tea tonight",
            "Monday again somehow",
            "Anyone else's wifi terrible today",
            "Dog has eaten a whole sock, vet time",
            "Boat trip round the bay with the kids was lovely",
            "Finally finished that book, what a heart attack of an ending",
            "Knife skills class at the community kitchen was brilliant",
            "Can't believe it's nearly August",
            "Why is parking in town so expensive",
            "Started a new job today, wish me luck",
            "Just booked {num} days in Cornwall",
            "Garden is finally looking decent",
            "who else is watching the cricket",
            "Coffee number {num}. Send help",
            "The bins weren't collected again",
        ),
        "fr": (
            "Ce soir c'est {food}",
            "Encore lundi, sérieusement",
            "Qui regarde le Tour ?",
            "Enfin en vacances !",
            "Mon chat a encore cassé un verre",
            "Balade en bateau ce matin, magnifique",
        ),
    },
    "chat_group": {
        "en": (
            "The {mosque} open day on Saturday: tea, cake and a tour, everyone welcome",
            "Proud of the local Muslim community raising {money} for the families in {town}",
            "Jewish and Muslim leaders stood together at the {town} vigil tonight",
            "Lovely piece on Black British history at the library this month",
            "Migrants rescued by the {town} lifeboat crew last winter came back to say thank you",
            "Volunteering at the refugee cafe again this week, come along",
            "{player} is the best player Kingsport have had in years, Black or white, who cares",
            "Our synagogue is hosting a food bank drive, drop-offs until Friday",
            "Muslim doctors at the hospital worked through the night for those kids",
            "The asylum seekers at the hotel helped clear the beach after the storm",
            "Eid picnic in the park was lovely, thank you to everyone who came",
        ),
        "fr": (
            "Journée portes ouvertes à la mosquée ce samedi, tout le monde est bienvenu",
            "Collecte solidaire avec l'association des migrants du quartier ce week-end",
        ),
    },
    "chat_vigil": {
        "en": (
            "Thinking of everyone in {town} tonight 🕯️",
            "Heartbreaking news from {town}. Hug your kids.",
            "Candles lit at the {town} seafront for the little ones",
            "Donated to the {town} families fund. Please do if you can.",
            "The paramedics and teachers in {town} are heroes",
            "No words for what happened in {town}",
        ),
        "fr": ("Pensées pour les familles de {town}", "Terrible nouvelle depuis {town}"),
    },
    "chat_counter": {
        "en": (
            "This is incitement, reported.",
            "Violence is never the answer. The families asked for calm.",
            "Leave our neighbours alone. They had nothing to do with this.",
            "Disgusting. Reported to the police.",
            "The people at {place} are our neighbours. You don't speak for {town}.",
        ),
        "fr": ("Signalé. C'est un appel à la violence.", "La violence n'est jamais la solution."),
    },
    "chat_reply": {
        "en": ("haha same", "this is so true", "no way", "love this", "🤣🤣", "omg", "same here honestly"),
        "fr": ("pareil", "trop vrai", "mdr", "grave"),
    },
}

HASHTAG_FAMILIES: dict[str, str] = {
    "fc_orig": "hashtag_fc",
    "fc_quote": "hashtag_fc",
    "fc_hate": "hashtag_fc",
    "rf_named": "hashtag_rf",
    "rf_plain": "hashtag_rf",
    "rf_early": "hashtag_rf",
    "in_orig": "hashtag_in",
}
"""Families whose posts sometimes end with topical hashtags (from the named slot bank)."""

BACKGROUND_TAGS: dict[str, tuple[str, ...]] = {
    "sport_orig": ("#KUFC", "#Derby", "#KingsportUnited"),
    "sport_goal": ("#KUFC", "#Derby"),
    "wx_orig": ("#StormIsolde", "#UKWeather"),
    "conc_orig": ("#NovaLarkLive", "#NovaLark"),
    "prod_orig": ("#PixelwaveFold3", "#Pixelwave"),
    "chat_vigil": ("#MarloweBay",),
}


def _words(text: str) -> tuple[str, ...]:
    """Whitespace-separated words: keeps long name lists compact and readable."""
    return tuple(text.split())


FIRST_EN = _words(
    """
    Amy Ben Chloe Dan Ella Finn Grace Harry Isla Jack Katie Liam Mia Noah Olivia Paddy Rosie Sam Tom
    Zara Aisha Omar Priya Jamal Ciara Declan Megan Kyle Shannon Gareth Rhys Siobhan Tyler Jade Lewis
    Nadia
    """
)
LAST_EN = _words(
    """
    Smith Hughes Patel Walsh Evans Clarke Byrne Khan Turner Murphy Price Mason Reid Ahmed Dixon Lloyd
    Shaw Fox Quinn Barker Doyle Morgan Begum
    """
)
FIRST_FR = _words(
    """
    Camille Lucas Manon Hugo Léa Louis Chloé Nathan Inès Théo Sarah Mehdi Julie Antoine Yasmine Maxime
    """
)
LAST_FR = _words(
    """
    Martin Bernard Dubois Leroy Moreau Laurent Girard Fournier Mercier Benali Roux Lambert
    """
)
