"""Safety first, and only where there is evidence: the red-flag guard.

Two kinds of evidence, treated differently:

1. A red-flag phrase from the lexicon (spacy_pipeline/lexicon/red_flags.yml),
   found by the entity ruler, or a red-flag pattern (red_flag_patterns.yml: the
   same things said in many words, "I can barely swallow"; Spanish ones in the
   *_es.yml files next to them). Its answer comes first, whatever else the message
   says: self-harm or putting one's affairs in order gets the crisis answer (988);
   trouble breathing, swallowing or speaking or a severe allergic reaction gets
   the emergency answer (911); a spread sign after an injection (double vision, a
   drooping eyelid, ...) gets the urgent "contact the clinic today" answer. A
   phrase does not count when it is negated ("no trouble breathing"), when it is
   a general question about risks ("can Botox cause trouble swallowing?"), when
   it has an everyday meaning or cause the message gives (a will "before my
   knee surgery", swelling "from hay fever every May", trouble with big pills
   "always have"), or, for a spread sign, when nothing ties it to a treatment
   ("I've had double vision for years").
2. The classifier alone predicting the crisis or emergency intent, with no such
   phrase. That must not replace the answer to the patient's question: the next
   intent in the ranking is answered instead (or the fallback, if it is unsure),
   and a note asks the channel to add one gentle line (988 for a crisis
   prediction, the standard 911 line for an emergency one) after the answer.
   The thresholds were chosen by measurement (README, "Safety").
"""
import re
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Pattern, Text, Tuple


from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from common.text import fold
from common import yaml_files
from nlu_components import safety_notes
from nlu_components.required_literals import Literals, may_match, required_literals

RED_FLAG_ENTITY = "red_flag"
# "affairs_in_order": giving things away, a will, funeral plans (red_flag_patterns*.yml);
# a crisis sign unless the message gives an everyday reason for it.
CRISIS_FLAGS = {"self_harm", "affairs_in_order"}
EMERGENCY_FLAGS = {"breathing", "swallowing", "speaking", "allergic_reaction"}
AFTER_TREATMENT_FLAGS = {"after_treatment"}
# What the patient sees first when two kinds of flag are present.
LEVELS = ("crisis", "emergency", "after_treatment")

# English and Spanish cue words. The message is read in lower case without accents
# (fold()), so Spanish words are written here without them.
NEGATIONS = {
    "no", "not", "never", "without", "nor", "neither", "none", "nothing",
    "don't", "dont", "doesn't", "doesnt", "didn't", "didnt", "isn't", "isnt", "aren't",
    "arent", "wasn't", "wasnt", "haven't", "havent", "hasn't", "hasnt", "hadn't", "hadnt",
    # Spanish: "no tengo dificultad para respirar", "sin visión borrosa", "nunca he tenido..."
    "nunca", "sin", "ni", "tampoco", "nada", "ningun", "ninguna", "ninguno", "jamas",
}
NEGATION_WINDOW_WORDS = 4
# Crisis phrases are often negative themselves ("I don't see a reason to keep
# living"): only a denial right before the phrase counts ("I'm not suicidal",
# "no quiero morir").
# "I don't want to die, I just want one day without pain" (eighth round).
CRISIS_DENIALS = {"not", "never", "no", "nunca", "don't", "dont"}
# ... with these words between the denial and the phrase: "no estoy pensando en hacerme
# daño", "I'm not thinking about hurting myself".
DENIAL_FILLERS = {"am", "really", "even", "thinking", "planning", "going", "about", "of", "to",
                  "estoy", "estaba", "he", "estado", "pensando", "planeando", "en", "voy", "a",
                  # "no thoughts of suicide", "I've never thought about killing myself", "no
                  # tengo pensamientos de suicidio", "no pienso hacerme daño" (sixth round).
                  "thoughts", "thought", "having", "had", "any", "ever",
                  "tengo", "tenido", "pensamientos", "ideas", "de", "pienso", "pensado",
                  # "I'm not gonna hurt myself", "I don't want to kill myself" (eighth round).
                  "gonna", "want", "wanna", "trying",
                  # "no me quiero morir ni nada" (ninth round).
                  "me"}
# ... but a denial of the past is not one of now: "I never had thoughts of suicide until
# this year", "... before, but lately I do", "nunca había pensado en matarme hasta ahora".
NOT_UNTIL_NOW = re.compile(
    r"^[^.!?\n]{0,40}?\b(?:until|till|til|before (?:now|this|today|lately|recently|these)|but (?:now|lately|recently|"
    r"these days|this (?:week|month|year))|lately|recently|these days|hasta (?:ahora|que|hace|este|esta)|"
    r"pero (?:ahora|ultimamente|ya)|ultimamente)\b", re.I)
# Spanish "y"/"e" ("and") end a clause too: in "no puedo dormir y me cuesta respirar"
# the "no" belongs to the sleeping, not to the breathing.
CLAUSE_BREAK = re.compile(
    r"[,;:.!?¿¡\n]|\b(?:but|however|though|although|except|yet|pero|aunque|sin embargo|excepto|salvo|y|e)\b",
    re.I)
WORD = re.compile(r"[a-z']+")
# "Can Botox cause trouble swallowing?", "is anaphylaxis a real risk?",
# "¿el botox puede causar visión doble?", "¿es normal tener la voz ronca?"
RISK_QUESTION = re.compile(
    r"\b(?:cause|causes|causing|caused by|make|makes|give|gives|lead to|leads to|affect|affects|"
    r"side effects?|risks?|chances? of|odds of|possible|normal to|likely|"
    # "how rare is anaphylaxis", "how common is trouble swallowing"
    r"how (?:rare|common|likely|often|frequent)|"
    # "what are the signs of an allergic reaction to botox", "¿cuáles son los síntomas de ...?"
    r"(?:warning )?(?:signs?|symptoms?) (?:of|to watch for|to look for)|(?:sintomas|senales|signos) de|"
    # "has anyone ever stopped breathing from botox?", "¿alguien ha dejado de respirar?"
    r"(?:has|have|did|does|do) (?:anyone|anybody|someone|somebody|people) (?:ever )?|alguien (?:ha|se ha|le ha)|"
    # "can an allergic reaction happen days later?"
    r"(?:can|could|does|do|will|would|might|may) (?:it|they|that|this|an?|the|such)\b[^.!?\n]{0,40}"
    r"\b(?:happen|occur|show up|appear|set in|come on|start)|"
    r"causa|causan|causar|provoca|provocan|provocar|produce|producen|producir|puede dar|pueden dar|"
    # "¿puede bajar a la garganta y dar problemas al tragar?" (fifteenth round)
    r"dar (?:problemas|dificultad)|"
    r"efectos? (?:secundarios?|adversos?)|riesgos?|posibilidad|probabilidad|posible|es normal|"
    r"normal que|normal tener|es comun|comun que|que tan (?:raro|rara|comun|frecuente|probable)|"
    r"(?:con )?que frecuencia)\b", re.I)
# "What if I get double vision after it?": a question about what might happen.
HYPOTHETICAL = re.compile(
    # Not someone else's question: "people keep asking if i'm tired" (thirteenth round).
    r"\b(?<!asking )(?<!asked )(?<!ask )(?<!asks )(?:what if|if i|if i'?m|if im|if my|if he|if she|in case|ahead of time|before i|how would i know|"
    r"how do i know|how will i know|what should i (?:watch|look) (?:out )?for|"
    # "what are the signs of an allergic reaction i should watch for after" (ninth round)
    r"i should (?:watch|look) (?:out )?for|should i (?:watch|look) (?:out )?for|"
    # "could I get double vision from it?" (but not "could I be having ...": that is now)
    r"(?:could|would|will|might) i (?:get|develop|end up with)|"
    # "could botox for spasmodic dysphonia make me unable to talk for a while?"
    r"(?:can|could|would|will|might) (?:it|that|this|botox|dysport|xeomin|the (?:shots?|injections?|botox|treatment))\b"
    r"[^.!?\n]{0,40}\bmake (?:me|you|him|her|someone|people|it (?:hard|harder|difficult|tough))|"
    # "what's the plan if someone has an allergic reaction at the clinic?" (twelfth round)
    r"(?:what'?s|what is) the plan if|what happens if|if (?:someone|somebody|anyone|a patient) (?:has|had|gets|got)|"
    # "¿me puede dar dificultad para respirar?", "could it give me trouble swallowing?" (tenth round)
    r"(?:me|le|te) (?:puede|pueden|podria|podrian) (?:dar|causar|provocar)|(?:can|could|would|will|might) (?:it|that|this|botox) give (?:me|him|her)|"
    r"que pasa si|que (?:hago|hacer|debo hacer) si|y si|si me|si se (?:me|le)|si mi|si le|si tengo|si tuviera|en caso de|antes de|por si|como se si|"
    r"como sabria si)\b", re.I)
# "Is it dangerous if it spreads and I can't breathe?", "¿es peligroso si se riega y no
# puedo respirar?": the whole sentence is the "if" (sixteenth round).
DANGEROUS_IF = re.compile(r"\b(?:is it|would it be|could it be|es|seria|puede ser) (?:dangerous|peligroso) (?:if|si)\b")
SENTENCE_BREAK = re.compile(r"[.!?¿¡\n]")
# Something happening now or since a treatment: then it is a report, whatever else.
HAPPENING = re.compile(
    r"\b(?:since(?! forever| i was (?:a )?(?:kid|child|little|young|baby|teen\w*)| childhood)|"
    # Not a worry: "can botox cause breathing problems? i read it and now i'm nervous".
    r"now(?!,? (?:i'?m|im|i am) (?:\w+ )?(?:nervous|worried|scared|anxious|curious|wondering|paranoid|freaked|confused)\b)|"
    r"today|tonight|this morning|last night|yesterday|ago|getting worse|started|"
    r"desde(?! siempre| (?:nin[oa]|chic[oa]|chiquit[oa]|pequen[oa])\b)|"
    r"ahora(?! (?:estoy|me da|tengo) (?:\w+ )?(?:nervios[oa]?|preocupad[oa]|miedo|asustad[oa])\b)|ahorita|hoy|esta noche|esta manana|anoche|ayer|hace (?:\d+|un|una|unos|unas|dos|tres|poco|rato)|"
    r"empeorando|empezo|empece|comenzo|en este momento)\b", re.I)
# Something long past with nothing said about now: "my friend couldn't swallow after
# her botox years ago, how often does that happen?" is a question, not a report.
LONG_PAST = re.compile(
    r"\b(?:(?:\d+|a few|few|several|many|some|two|three|ten) (?:years|yrs) (?:ago|back)|last year|"
    r"years ago|when i was (?:a kid|young|younger|little|a teen\w*)|back in (?:19|20)\d\d|"
    r"last (?:spring|summer|fall|autumn|winter)|as a (?:kid|child|teen\w*)|"
    r"hace (?:\d+|unos|varios|muchos|dos|tres) anos|el ano pasado)\b", re.I)
# A lifelong difficulty, not a new sign: "I have a hard time swallowing big pills, always
# have", "me cuesta tragar las pastillas desde siempre".
LIFELONG = re.compile(
    r"\b(?:always (?:have|had|has|been)|all my life|my whole life|my entire life|since forever|"
    r"since (?:i was (?:a )?(?:kid|child|little|young|baby|teen\w*)|childhood)|never (?:been|was) (?:good|able)|"
    r"desde siempre|toda (?:mi|la) vida|desde (?:nin[oa]|chic[oa]|chiquit[oa]|pequen[oa]))\b", re.I)
# "... last year from covid but she's fine now": "now" says it is over (tenth round).
FINE_NOW = re.compile(
    r"\b(?:(?:she'?s|he'?s|shes|hes|i'?m|im|they'?re|theyre|it'?s|its|is|are|all) )?(?:fine|ok|okay|good|better|well|"
    r"recovered|all good|doing (?:fine|well|great|good)) now\b|\b(?:ya )?(?:esta|estoy|estan) bien ahora\b", re.I)
STILL_NOW = re.compile(
    r"\b(?:now|today|tonight|still|right now|this (?:morning|week)|ahora|hoy|todavia)\b", re.I)
# Breathing hard from running (or laughing) is not an emergency sign ("out of breath from running
# to make my appointment"); "out of breath just walking to the bathroom" is.
EXERTION = re.compile(
    r"\b(?:when|while|after|from|during|if) (?:i |im |i'm |he |she |a |my |the )?(?:go )?(?:run|running|ran|jog|jogging|"
    r"exercise|exercising|work out|working out|workouts?|sprint\w*|rush\w*|hurry\w*|hiking|hike|"
    r"climb\w* (?:stairs|a hill|hills)|(?:at )?the gym|sports?|cardio|laugh\w*)\b"
    r"|\b(?:after|from|climbing|up|taking) (?:the |those |these |all the |a flight of |your |\d+ )?(?:stairs|steps|flights?)\b"

    r"|\b(?:cuando|al|despues de) (?:corro|correr|subo (?:las )?escaleras|subir (?:las )?escaleras|"
    r"hago ejercicio|hacer ejercicio|entreno|entrenar)\b", re.I)
# "I think I'm just unfit": the patient's own explanation, anywhere in the message.
UNFIT = re.compile(r"\b(?:unfit|out of shape|not fit|so unfit)\b", re.I)
# ... unless it is new since a treatment: "can't breathe after climbing stairs since the botox".
SINCE_A_TREATMENT = re.compile(
    r"\b(?:since(?! forever)|after|following|desde(?! siempre)|despues de|despues del)\b[^.!?\n]{0,30}"
    r"\b(?:botox|shots?|injections?|treatments?|inyeccion\w*|tratamiento|piquetes?)\b", re.I)
# "Can I run after botox?" asks about later; it does not tie today's breathlessness to a treatment.
QUESTION_ABOUT_LATER = re.compile(r"\b(?:can|could|should|may) (?:i|we|he|she)\b[^.!?\n,]*", re.I)
# "Can't breathe through my nose" is a blocked nose, not trouble breathing (also
# "my nose is blocked, I can barely breathe through it").
THROUGH_THE_NOSE = re.compile(
    r"\s*(?:in |out )?(?:well |properly |right |good )?(?:(?:through|thru|out of|por) (?:[a-z]+ ){0,4}?|(?:with|by|con) "
    r"(?:my |his |her |the |one |la |mi )?)(?:nose|nostrils?|nariz)\b", re.I)
THROUGH_IT = re.compile(r"\s*(?:well |properly |right |good )?(?:through|thru|out of) (?:it|them)\b", re.I)
NOSE = re.compile(r"\b(?:nose|nostrils?|nariz)\b", re.I)
# A stuffed nose with a cold: "my nose is so stuffed i can barely breathe at night" (seventh
# round), unless there is more (the chest, lips, throat, wheezing) or it is since a treatment.
STUFFED_NOSE = re.compile(
    r"\b(?:nose|nostrils?|sinus\w*|nariz)\b[^.!?\n]{0,20}\b(?:stuff\w*|blocked|congest\w*|clogged|runny|tapad[oa]|congestionad[oa])\b"
    r"|\b(?:stuffy|stuffed|blocked|congested|clogged|runny) (?:up )?nose\b|\bnariz tapada\b", re.I)
MORE_THAN_THE_NOSE = re.compile(r"\b(?:chest|lips?|throat|tongue|wheez\w*|blue|pecho|labios?|garganta|lengua)\b", re.I)
# Tightness or swelling with an everyday cause the patient names, and nothing tied to a
# treatment: "my throat feels tight when I'm anxious", "my eyes swell shut from hay
# fever every May", "my face is swollen from crying", "tight after yelling at the game".
EVERYDAY_CAUSE = re.compile(
    r"\bwhen(?:ever)? (?:i'?m|im|i am|i get|i feel) (?:anxious|nervous|stressed|upset|sad|emotional|crying)\b|"
    r"\b(?:when|after|from) (?:i )?cr(?:y|ying|ied)\b|\bpanic attacks?\b|"
    r"\b(?:hay ?fever|pollen|allerg\w* season|seasonal allerg\w*|every (?:spring|summer|fall|autumn|winter|year|may|april|june))\b|"
    r"\b(?:mosquito\w*|bug bites?)\b|"
    r"\b(?:after|from) (?:yelling|shouting|screaming|singing|cheering)\b|"
    r"\bcuando (?:me pongo|estoy) (?:nervios[oa]|ansios[oa]|triste)\b|\bpolen\b|"
    r"\b(?:de|por) (?:llorar|(?:la )?(?:tristeza|pena|los nervios|la ansiedad|el estres))\b|"
    # Snoring that sounds like choking is a question about sleep (seventh round).
    r"\bsnor\w*|\bronquid\w*|\broncar\b|\broncando\b|\bronc[ao] como\b", re.I)
# Speech heard on a recording or a call, not the patient's own: "the words were all
# garbled on the voicemail you left me".
RECORDED_SPEECH = re.compile(
    r"\b(?:voicemail|voice mail|recording|video|audio|transcript|subtitles|translation|website|email|letter|"
    r"you left|you sent|buzon|grabacion)\b", re.I)
# Pills too big to swallow are about their size, not a new sign: "the migraine pills are
# so big they're hard to swallow, can I crush them?"
BIG_PILLS = re.compile(
    r"\b(?:pills?|capsules?|tablets?|pastillas?|capsulas?|tabletas?)\b[^.!?\n]{0,30}\b(?:big|large|huge|giant|size|"
    r"crush\w*|split\w*|grandes?|enormes?|tamano|partir\w*|triturar\w*|machacar\w*)\b"
    r"|\b(?:big|large|huge|giant|grandes?)\b[^.!?\n]{0,10}\b(?:pills?|capsules?|tablets?|pastillas?)\b", re.I)
# ... or asked for in another form: "swallowing pills is hard for my kid, can the meds come
# as liquid?", "a mi hijo le cuesta tragar pastillas, ¿hay jarabe?" (seventh round).
PILLS_IN_ANOTHER_FORM = re.compile(
    r"\b(?:pills?|capsules?|tablets?|meds|pastillas?|capsulas?|tabletas?|medicinas?)\b[^.!?\n]{0,60}"
    r"\b(?:liquid|syrup|chewables?|dissolv\w*|gumm(?:y|ies)|patch|jarabe|liquid[oa]|gotas|masticables?|parche)\b", re.I)
# "Choking up" is being moved to tears: "choking up a bit writing this" (seventh round).
CHOKING_UP = re.compile(r"\bchok\w*$", re.I)
UP_AFTER = re.compile(r"\s+up\b", re.I)
# A sign denied inside its own words: "my throat isn't swelling", "lips are not puffy".
DENIED_INSIDE = re.compile(
    r"\b(?:isn'?t|isnt|is not|aren'?t|arent|are not|wasn'?t|wasnt|weren'?t|werent|no longer|not)\s+(?:\w+\s+)?"
    r"(?:swell\w*|swollen|clos\w*|tight\w*|puff\w*|blurr\w*|droop\w*|hoarse|slurr\w*|weak\w*|huge|thick)\b", re.I)
# "Can't swallow the price" is a figure of speech.
SWALLOW_FIGURATIVELY = re.compile(
    r"\s*(?:the|that|this|his|her|their) (?:price|cost|bill|idea|news|fact|truth|diagnosis|excuse|story|pride)\b", re.I)
# A crisis phrase used as a figure of speech: "I could die of embarrassment", "me
# quiero morir de la pena" (Spanish for dying of shame), "dying to know".
FIGURE_OF_SPEECH_AFTER = re.compile(
    r"\s*(?:of|from|de|del) (?:la |el |pura |puro |tanta |tanto )?(?:embarrass\w*|shame|laugh\w*|boredom|"
    r"cringe|heat|hunger|curiosity|envy|jealousy|pena|verguenza|risa|calor|hambre|sueno|aburrimiento|"
    r"envidia|celos|ganas|frio|nervios|"
    # "me voy a morir del susto" (of fright), "I'll die of fright at the needle" (seventh round).
    r"fright|fear|terror|susto|miedo|panico)\b", re.I)
# "I can't do this anymore with the insurance runaround": frustration with a named
# thing, not with living (a crisis if it is "with my life").
AT_A_THING_AFTER = re.compile(
    r"\s*(?:with|about|over|con) (?:the|these|this|that|those|your|all (?:the|these|this|that)|my|el|la|los|las|este|esta|estos|estas)"
    r" (?!life\b|living\b|myself\b|vida\b|existence\b)", re.I)
# A crisis phrase as the punchline of an everyday chore, laughed off: "if i have to fill out
# one more form i'll jump off a cliff lol", "si tengo que llenar otro formulario me tiro por
# la ventana jaja". Both are needed: the chore ("if I have to ... one more") and the laugh
# right after the phrase; "i want to die lol" alone still counts (seventh round).
CHORE_CONDITION = re.compile(
    r"\b(?:if i (?:have to|gotta|got to|must|need to|hear|see|get)|si (?:tengo que|me toca|me hacen|vuelvo a))\b"
    r"[^.!?\n]{0,60}\b(?:one more|another|again|once more|otr[oa]|una vez mas|de nuevo)\b[^.!?\n]{0,40}$"
    # ... or fed up with a named chore: "estoy harta de tanto trámite, me quiero morir jaja".
    r"|\b(?:harta|harto|fed up|sick|tired|cansad[oa]) (?:de|of|with) (?:tanto |tanta |tantos |tantas |the |this |these |"
    r"all (?:the |this |these )?|el |la |los |las )?(?:tramite\w*|papeleo|paperwork|forms?|formularios?|wait\w*|espera|"
    r"llamadas|calls|insurance|seguro|hold|portal|parking|estacionamiento|fila|line|traffic|trafico)\b[^.!?\n]{0,40}$", re.I)
LAUGH_AFTER = re.compile(r"\s*[,.!]*\s*(?:lol|lmao|rofl|haha\w*|hehe\w*|jaja\w*|jeje\w*|xd)\b", re.I)
# "Me quiero dar un tiro con esta espera" is the Spanish "shoot me now" about a named thing.
SHOT_AT_A_THING = re.compile(r"\b(?:tiro|balazo|plomazo)$", re.I)
AT_A_THING_AFTER_ES = re.compile(r"\s*con (?:esta|este|estos|estas|la|el|los|las|tanta|tanto|tantas|tantos|su|sus|tu|tus) ", re.I)
CANT_TAKE_IT = re.compile(
    r"\b(?:can'?t|cant|cannot|can not) (?:do|take|handle|deal with|stand|cope with) (?:this|it|that)\b", re.I)
# A goodbye to someone who died or is dying, or a late relative's things given away, is
# grief: "I said goodbye to my mom at hospice", "gave away my late husband's clothes".
FAREWELL_OR_GIVING = re.compile(
    r"\b(?:good ?byes?|farewells?|despedi\w*|despedida|gave|give|giving|given|regal\w*)\b", re.I)
LOSS = re.compile(
    r"\b(?:late (?:husband|wife|partner|mom|mum|mother|dad|father|son|daughter|brother|sister|grand\w+)(?:'?s)?|"
    r"passed away|passed (?:on|in|last)|died|funeral|hospice|memorial|deathbed|(?:at|in) the hospital|"
    r"falleci\w*|murio|difunt\w*|velorio|hospicio|en el hospital|en paz descanse)\b", re.I)
# A goodbye because the patient is moving away: "me despido de ustedes porque me mudo a
# Monterrey", "saying goodbye to everyone, we're moving to Ohio" (seventh round).
MOVING_AWAY = re.compile(
    r"\b(?:(?:i'?m|im|we'?re|were|i am|we are) moving|moving (?:to|away|back|across|abroad|out of state)|"
    r"(?:i|we) (?:moved|relocated)|relocat\w*|new job in|transferr?\w* to|"
    r"me mudo|me voy a mudar|nos mudamos|nos vamos a mudar|mudanza|me cambio de (?:ciudad|pais|estado)|"
    r"me voy a vivir a|nos vamos a vivir a)\b", re.I)
# A goodbye letter to a pet, a home or a job: "wrote a goodbye letter to my dog before
# I left for college".
TO_A_PET_OR_A_PLACE = re.compile(
    r"\s*(?:to|for|a|para) (?:my|our|the|his|her|your|this|that|mi|mis|nuestro|nuestra|el|la) (?:old |sweet |little |viej[oa] |online )?"
    # ... or a chat or an app left for the phone: "goodbye forever to your online chat" (twelfth round)
    r"(?:chat|app|portal|website|site|inbox|phone line|"
    r"dogs?|cats?|pets?|pupp(?:y|ies)|kittens?|hamsters?|fish|horses?|house|home|apartment|flat|car|job|office|"
    r"hometown|city|childhood home|perr\w+|gat\w+|mascotas?|casa|trabajo|departamento|ciudad)\b", re.I)
# Old self-harm scars are a question about scars: "botox for self harm scars".
SCARS_AFTER = re.compile(r"\s*(?:scars?|scarring)\b", re.I)
# Suicide as a topic, not the patient's thoughts: "does botox raise suicide risk?", "is
# there a suicide prevention line" (but "my suicide risk is high" is about the patient).
SUICIDE_AS_A_TOPIC = re.compile(
    r"\s*(?:risks?|rates?|prevention|awareness|statistics|stats|warnings?|hotlines?|lines?|riesgo|prevencion|"
    r"tasas?|linea)\b", re.I)
# ... or asked about as a side effect, with nothing said about the patient: "does botox
# cause depression or suicidal thoughts?", "¿el botox provoca pensamientos suicidas?"
# (seventh round; "... i've been having them" counts).
AS_A_SIDE_EFFECT = re.compile(
    r"\b(?:cause|causes|caused|causing|side effects?|raise|raises|increase|increases|linked to|link between|"
    r"lead to|leads to|trigger|triggers|risk of|causa|causan|provoca|provocan|efectos? secundarios?|aumenta)\b", re.I)
FIRST_PERSON_NOW = re.compile(
    r"\b(?:i'?m|im|i am|i'?ve|ive|i have|i had|i get|i feel|i keep|i think|been having|(?:has|have|had|having|gets?) them|"
    r"tengo|tuve|siento|estoy|he tenido|he pensado|pienso|tiene|tienen|tuvo)\b", re.I)
NOT_ONES_OWN = re.compile(r"\b(?:my|his|her|their|mi|su)\s+$", re.I)
# A cut or burn by accident: "I cut myself shaving right where the injection goes",
# "burned myself on the stove" (not "cut myself again", "burned myself on purpose").
BY_ACCIDENT_AFTER = re.compile(
    r"\s*(?:(?:with|on) (?:a|an|the|my) (?:\w+ ){0,2}(?:while |when )?(?:shaving|cooking|gardening|chopping|baking|ironing|"
    r"doing (?:the )?(?:dishes|laundry)|at work|in the kitchen)|(?:while |when )?(?:shaving|cooking|gardening|chopping|slicing|cutting (?:onions|veg\w*|bread|meat)|"
    r"baking|ironing|on (?:a|the|some|my) (?:stove|oven|pan|iron|kettle|glass|paper|knife|razor|can|fence|nail)|"
    r"by accident|accidentally|in the kitchen|at work|with (?:a|the) (?:paper|kitchen knife|bread knife|can)|"
    r"on (?:a|the) (?:broken|sharp))|(?:\w+ ){0,2}by accident)\b", re.I)
# Ninth round (tests/safety_dev8.yml).
# "I'd jump off a bridge for a migraine free month": a price one would pay, not a plan.
WOULD_BEFORE = re.compile(r"\b(?:i'?d|id|i would)\s+(?:just\s+|happily\s+|gladly\s+|honestly\s+)?$", re.I)
FOR_A_THING_AFTER = re.compile(r"\s+for (?:a|an|one|some|the|another|just one|1|\d+)\b", re.I)
# "Tired of existing in a soaked shirt all day": tired of a state one is in, not of living
# ("tired of existing in this body" still counts).
TIRED_OF_LIVING = re.compile(r"\b(?:tired|sick|exhausted|weary) (?:of|from|with) (?:existing|living|being alive)$", re.I)
IN_A_THING_AFTER = re.compile(
    r"\s+(?:in|inside|under) (?:a|an|these|those|my|the|wet|sweaty|soaked|damp)\s+"
    r"(?!body\b|world\b|life\b|pain\b|skin\b|head\b|mind\b|darkness\b|hell\b)", re.I)
# "Never wake up before 10 again", "no quiero despertar con dolor de cabeza": waking at a
# time or with a pain, not not waking.
WAKING = re.compile(r"\b(?:wake|waking|woke|despertar\w*|amanecer)(?: up)?$", re.I)
WAKE_AT_A_TIME_AFTER = re.compile(
    r"\s+(?:before (?:\d+\w*|noon|ten|nine|eight|seven|six|five|dawn|sunrise|my alarm|the alarm|the kids)|early|"
    r"at (?:\d+\w*|dawn|night|\w+ o'?clock)|until (?:noon|\d+)|till (?:noon|\d+)|in the middle of the night|"
    r"with (?:a|the|this|these|my) (?:migraine|headache|pain|stiff|sore|twitch)|feeling|tired|groggy|sore|in pain|"
    r"a las|(?:tan |muy )?temprano|so early|this early|con (?:dolor|migrana|jaqueca|la cabeza|el cuello)|antes de las|de madrugada|cansad[oa]|adolorid[oa])\b",
    re.I)
# "I don't want to be here when the construction starts lol": not here for a thing.
HERE = re.compile(r"\b(?:be here|be around|estar aqui)$", re.I)
NOT_HERE_FOR_A_THING_AFTER = re.compile(
    r"\s+(?:when|while|during|for|until|till|cuando|mientras|durante)\b[^.!?,\n]{0,40}\b(?:construction|renovation\w*|"
    r"remodel\w*|crowds?|crowded|rush|noise|drilling|party|inspection|busy|lol|lmao|haha\w*|jaja\w*|obra|"
    r"remodelacion|fiesta)\b", re.I)
# Better off without one at a task: "the team would be better off without me at the meeting".
WITHOUT_ME = re.compile(r"\bwithout me$", re.I)
AT_A_TASK_AFTER = re.compile(
    r"\s+(?:at|on|in|for|during)\s+(?:the |this |that |my |our |tomorrow'?s |today'?s |next |friday'?s )?"
    r"(?:meeting|project|team|trip|game|party|shift|office|work|call|class|match|event|dinner|presentation|"
    r"tournament)\b", re.I)
# "My best friend died by suicide", "lost my cousin to suicide": grief (not "I almost died
# by suicide": an attempt).
DIED_BY_BEFORE = re.compile(
    r"\b(?:died |dying |death |lost (?:\w+ ){1,3}|passed (?:away )?)(?:by|of|from|to) (?:a )?$", re.I)
ONESELF_OR_NEARLY_BEFORE = re.compile(r"\b(?:i|me|almost|nearly|yo)\s+$", re.I)
# Pills kept "for when i decide": no routine, even if it is every night.
RESOLVE = re.compile(
    r"\b(?:decide|decided|ready|enough|for later|in case|can'?t take|give up|for when|cuando me decida|para cuando)\b", re.I)
# Leftover pills kept to get rid of them: "saving my leftover pills for the take-back day".
DISPOSAL = re.compile(
    r"\b(?:take[- ]?back|dispos\w*|drop[- ]?off|drop (?:them|it) off|to (?:return|recycle|destroy) (?:them|it)|"
    r"get rid of|throw (?:them|it) (?:out|away))\b", re.I)
# Pills taken all at once as a routine: "I take all my pills in the morning".
PILLS = re.compile(r"\b(?:pills|meds|medications?|medicines?|tablets|capsules|pastillas|medicinas|pildoras)\b", re.I)
ROUTINE = re.compile(
    r"\b(?:in the morning|the (?:morning|night|day|evening) (?:of|before)|every (?:morning|night|day|evening)|each (?:morning|night|day)|at (?:night|bedtime|breakfast|"
    r"dinner|lunch)|with (?:breakfast|dinner|lunch|food|a meal|meals|water|my coffee)|before bed|daily|"
    r"en la manana|en las mananas|por la manana|en la noche|por la noche|cada (?:manana|noche|dia)|todos los dias|"
    r"con el desayuno|con la comida|con la cena|al desayunar|antes de dormir)\b", re.I)
# "I feel like a burden asking so many questions, sorry": a burden to the clinic's
# staff, about asking or calling, is politeness, not the warning sign (a burden to
# one's family, which counts even with an apology: "sorry I'm such a burden on my kids").
# "Don't bother rescheduling me" is no burden said of oneself (eighth round).
BURDEN = re.compile(r"\b(?:burden|(?<!don't )(?<!dont )(?<!why )(?<!no need to )bother|nuisance|problem|carga|estorbo|"
                    r"molestia)\b", re.I)
# ... unless its clause says it won't be for long: "I won't be a bother much longer".
FINALITY = re.compile(r"\b(?:longer|anymore|any more|soon|forever|gone|dead|without me|sin mi|"
                      r"para siempre|mucho tiempo)\b", re.I)
APOLOGY_TO_THE_CLINIC = re.compile(
    r"\b(?:asking|questions?|calls?|calling|messages?|emails?|texts?|front desk|reception\w*|staff|"
    r"nurses?|office|clinic|you guys|appointments?|reschedul\w*|"
    r"preguntando|preguntas?|llamadas?|llamando|mensajes?|correos?|recepcion|clinica|citas?|"
    # Asking someone for a lift: "me siento una carga pidiéndole a mi hijo que me lleve".
    r"pidiendo\w*|pedirle\w*|pedir)\b", re.I)
# "I don't want to be a burden to my daughter, is there a ride service?": wanting to
# spare someone, not the warning sign, unless it says for how long ("anymore",
# "ya no quiero ser una carga").
NOT_WANTING_TO_BE = re.compile(
    r"\b(?:don'?t|dont|do not|never|no) (?:want|wanna|wish|quiero|queria|quisiera)(?: to)? (?:be|become|ser|volverme)"
    r"(?: a| an| such a| una| un)?\s*$", re.I)
NOT_WANTING_ANY_MORE = re.compile(r"\bya no (?:quiero|queria|quisiera)\b", re.I)
TO_THE_FAMILY = re.compile(
    r"\b(?:everyone|everybody|family|kids|children|husband|wife|partner|parents|mom|mum|dad|"
    r"familia|todos|hijos|hijas|esposo|esposa|padres)\b", re.I)
# Everyday reasons to give things away or write a will.
EVENT = (r"(?:surgery|operation|procedure|trip|travel|flight|botox|injections?|shots?|treatment|baby|"
         r"deployment|cruise|holiday|vacation|cirugia|operacion|viaje|inyecciones?|tratamiento|bebe|procedimiento)")
EVERYDAY_REASON = re.compile(
    rf"\b(?:moving|we(?:'re| are) moving|(?:i|we) moved|relocat\w*|downsiz\w*|declutter\w*|clearing out|"
    rf"clean\w* out|spring clean\w*|donat\w*|charity|garage sale|yard sale|make room|making room|have room|"
    rf"(?:don'?t|dont|doesn'?t|doesnt|no longer) fit|outgrew|outgrown|too small|upgrad\w*|ya no (?:me|le) queda|"
    rf"while (?:i|we) (?:travel\w*|am away|'?m away|are away|'?re away)|for the (?:week|weekend|trip|holidays?|summer)|"
    rf"on (?:vacation|holiday)|(?:pet|dog|cat) ?sit\w*|mientras (?:viajo|estoy fuera)|"
    rf"(?:before|ahead of|prior to) (?:my|the|our|a|his|her) (?:\w+ ){{0,2}}?{EVENT}|"
    rf"me mudo|me voy a mudar|nos mudamos|mudanza|dono|donando|"
    # A pet rehomed for a flat that allows none, a move abroad (tenth round): "rehomed my cat
    # because my new apartment doesnt allow pets", "regale mi perro ... me voy a vivir a españa".
    rf"(?:doesn'?t|doesnt|don'?t|dont|won'?t|wont) (?:allow|permit|take) (?:pets|dogs|cats)|no pets|pet[- ]free|landlord|"
    rf"new (?:apartment|flat|place|lease)|allergic|me voy a vivir a|nos vamos a vivir a|"
    rf"no (?:aceptan|permiten|dejan tener) (?:mascotas|perros|gatos)|"
    # A life event: baby things once the family is complete, a will after a wedding or on
    # a lawyer's advice ("updated my will after the wedding, my lawyer says everyone should").
    rf"baby (?:clothes|things|stuff|gear)|done having (?:kids|babies|children)|ropa de bebe|"
    # "wrote my will at 30 because we just had a baby" (ninth round).
    rf"(?:had|having|expecting|adopted) (?:a|our|my|the) (?:baby|first (?:child|kid|baby))|new baby|"
    rf"tuvimos (?:un|una|al|a la) (?:bebe|nino|nina)|"
    rf"(?:after|since) (?:the|my|our) (?:wedding|marriage|divorce|retirement)|lawyer|attorney|estate planning|"
    # Better now: "gave away my old crutches, won't need them anymore thanks to the physio";
    # the move: "we won't need them after the move to florida" (seventh round).
    rf"(?:thanks to|now that|since) (?:the |my )?(?:botox|physio\w*|physical therapy|therapy|surgery|treatment|recovery)|"
    rf"(?:i'?m|im) (?:better|recovered|healed|cured)|(?:after|before|for) the move\b|\bthe move to|"
    rf"(?:despues de|desde) (?:la|mi|el|nuestra) (?:boda|divorcio|jubilacion|matrimonio)|abogad[oa]|notari[oa]|"
    rf"(?:antes de|antes del) (?:la |el |las |los |mi |mis )?(?:\w+ ){{0,2}}?{EVENT})\b", re.I)
# A treatment that has not happened yet can't be behind a spread sign:
# "my voice is hoarse from a cold, no injection yet".
TREATMENT_WORD = r"(?:first )?(?:injections?|shots?|botox|treatments?)"
NO_TREATMENT_YET = re.compile(
    rf"\b(?:no|not) {TREATMENT_WORD} yet\b|\b(?:haven'?t|havent|not) (?:had|got|gotten) (?:my|the|an?|any) "
    rf"{TREATMENT_WORD} yet\b|\bbefore (?:my|the) first (?:injections?|shots?|botox|treatments?)\b", re.I)
# The patient says breathing, swallowing or speaking is fine: a classifier-only
# emergency prediction then adds no 911 line ("no trouble breathing, just a sore neck").
SIGNS_ARE_FINE = re.compile(
    r"\b(?:breath\w*|swallow\w*|speak\w*|speech|talk\w*|respir\w*|trag\w*|habl\w*)\b[^.!?\n]{0,20}"
    r"\b(?:fine|normal|normally|ok|okay|good|great|bien|normal|normalmente)\b"
    r"|\b(?:no|without|not any|sin|ni)\b[^.!?\n]{0,25}\b(?:trouble|problems?|issues?|difficulty|dificultad|problemas?)\b"
    r"[^.!?\n]{0,15}\b(?:breath\w*|swallow\w*|speak\w*|talk\w*|respirar|tragar|hablar)\b", re.I)
# Someone's own experience: the patient's or the person they care for.
PERSONAL = re.compile(
    r"\b(?:i|i'm|im|i've|ive|i'd|me|my|mine|myself|we|our|us|he|she|his|her|him|they|them|"
    # "son" is also Spanish for "are": "¿cuáles son los síntomas de ...?" is not about a son.
    r"their|mom|mum|mother|dad|father|husband|wife|daughter|child|kid|partner|friend|"
    r"son(?! (?:los|las|el|la|un|una|unos|unas|muy|mas|normales?|comunes?|frecuentes?|rar[oa]s|posibles?|peligros[oa]s)\b)|"
    r"yo|mi|mis|mio|mia|nosotros|nos|nuestro|nuestra|ella|ellos|ellas|le|les|"
    r"tengo|tuve|siento|senti|veo|estoy|estuve|puedo|empece|"
    r"mama|papa|madre|padre|esposo|esposa|marido|hijo|hija|nino|nina|pareja|amigo|amiga|"
    r"abuelo|abuela|hermano|hermana|novio|novia)\b", re.I)
TREATMENT = (r"(?:injections?|injected|shots?|botox|botulinum|treatments?|treated|jabs?|"
             r"procedure|protocol|appointment|dysport|xeomin|needles?|session|"
             r"inyeccion|inyecciones|inyectaron|inyectado|inyectada|piquetes?|pinchazos?|botulinica|"
             r"tratamiento|aplicacion|aplicaron|pusieron|cita|sesion|procedimiento|protocolo|agujas?)")
# A treatment asked about is not one that was given: "since the bell's palsy, can botox help?".
NOT_ASKED_ABOUT = "".join(f"(?<!{word} )" for word in (
    "can", "could", "will", "would", "does", "should", "puede", "podria", "sirve"))
AFTER_A_TREATMENT = re.compile(
    rf"\b(?:since(?! forever)|after|following|from|desde(?! siempre)|despues de|despues del|tras|luego de|luego del)\b[^.!?\n]{{0,50}}\b{NOT_ASKED_ABOUT}{TREATMENT}\b"
    rf"|\b{TREATMENT}\b[^.!?\n]{{0,50}}\b(?:ago|yesterday|last week|this morning|now|"
    rf"(?:on |last )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
    rf"hace|ayer|la semana pasada|esta manana|ahora|(?:el )?(?:lunes|martes|miercoles|jueves|viernes|sabado|domingo))\b"
    rf"|\bsince (?:i|we|she|he|they) (?:got|had|started) (?:it|them|this|that)\b"
    rf"|\bdesde que (?:me|le|nos|se|la|lo) (?:lo |la |los )?(?:pusieron|puso|inyectaron|aplicaron|puse|hice|hizo)\b", re.I)


# Tenth round (tests/safety_dev9.yml).
# Slang laughed off about a chore, or said of a game: "kms this portal logged me out again
# 😂", "my son keeps getting unalived in fortnite" ("kms ... not joking" still counts).
SLANG = re.compile(r"\b(?:kms|unaliv\w*|ctb)\b", re.I)
JOKING = re.compile(r"\b(?:lol|lmao|lmfao|rofl|haha\w*|jaja\w*|jeje\w*|jk|just kidding|xd)\b|[\U0001F602\U0001F923\U0001F606\U0001F605]", re.I)
NOT_JOKING = re.compile(
    r"\b(?:not (?:joking|kidding|a joke|a meme)|no (?:joke|joking)|for real|fr|seriously|srsly|actually|"
    r"en serio|neta|de verdad|no es broma)\b", re.I)
IN_A_GAME = re.compile(
    r"\b(?:fortnite|minecraft|roblox|call of duty|warzone|valorant|apex|overwatch|video ?games?|gam(?:e|es|ing)|"
    r"boss(?:es)?|respawn\w*|npcs?|level \d+|raids?|lobby|videojuegos?|juego)\b", re.I)
# A line from a song or a show: "the song says i dont want to live forever", "in the show
# the guy drinks poison and dies".
MEDIA_BEFORE = re.compile(
    r"(?:\b(?:song|lyrics?|show|movie|film|series|episode|novela|cancion|pelicula|serie|episodio)\b[^.!?\n]{0,10}"
    r"\b(?:says?|said|goes|went|where|when|the (?:guy|girl|man|woman|character)|dice|decia|donde|cuando)\b|\bsings?\b)"
    r"[^.!?\n]{0,30}$", re.I)
# Someone else's attempt long ago, who is well now: "my best friend attempted suicide years
# ago and shes doing great now", "mi primo intentó suicidarse hace años pero ya está bien".
SOMEONE_ELSE_BEFORE = re.compile(
    r"\b(?:my|mi|su) (?:best |old |college )?(?:friend|cousin|aunt|uncle|coworker|co-worker|neighbou?r|classmate|"
    r"amig[oa]|prim[oa]|tia|tio|vecin[oa]|companer[oa])\b[^.!?\n]{0,30}$", re.I)
YEARS_AGO = re.compile(
    r"\b(?:years ago|(?:\d+|a few|few|several|many|two|three) (?:years|yrs) (?:ago|back)|back in (?:19|20)\d\d|"
    r"in (?:high school|college)|hace (?:\d+ |unos |varios |muchos |dos |tres )?anos)\b", re.I)
WELL_NOW = re.compile(
    r"\b(?:doing (?:great|well|fine|good|better)|(?:is|she'?s|he'?s|shes|hes) (?:fine|ok|okay|well|good|great|happy) now|"
    r"recovered|ya esta bien|esta (?:bien|mejor) ahora|ya esta mejor)\b", re.I)
# A will or funeral joked about: "if the needle is as big as last time im writing my will
# first lol".
LAUGH_SOON_AFTER = re.compile(r"[^.!?\n]{0,15}?(?:\b(?:lol|lmao|haha\w*|jaja\w*|jk)\b|[\U0001F602\U0001F923])", re.I)


def is_negated(text: Text, start: int, crisis: bool = False, end: Optional[int] = None) -> bool:
    """Whether a negation word stands just before `start` in the same clause (for a
    crisis phrase ending at `end`, a denial of the past only: "never ... until now" counts)."""
    end = start if end is None else end
    words = WORD.findall(CLAUSE_BREAK.split(text[:start])[-1].lower())
    if crisis:
        while len(words) > 1 and words[-1] in DENIAL_FILLERS:
            words = words[:-1]
        return bool(words) and words[-1] in CRISIS_DENIALS and not NOT_UNTIL_NOW.match(text[end:])
    return bool(NEGATIONS & set(words[-NEGATION_WINDOW_WORDS:]))


def clause_around(text: Text, start: int, end: int) -> Text:
    return CLAUSE_BREAK.split(text[:start])[-1] + text[start:end] + CLAUSE_BREAK.split(text[end:])[0]


def asks_about_a_risk(text: Text, start: int, end: int) -> bool:
    """A general or hypothetical question about a risk, with nothing happening now:
    "Can Botox cause trouble swallowing?", "what if I get double vision after it?".
    "My mom has trouble breathing, is that a side effect?" and "... I've had it
    since Thursday" are reports: a false alarm costs a message, a miss can cost a life."""
    if HAPPENING.search(text):
        return False
    clause = clause_around(text, start, end)
    if HYPOTHETICAL.search(clause) or DANGEROUS_IF.search(SENTENCE_BREAK.split(text[:start])[-1]):
        return True
    return bool(RISK_QUESTION.search(clause)) and not PERSONAL.search(clause)


def is_long_past(text: Text, start: int, end: int) -> bool:
    """A sign told as a story from long ago, with nothing said about now."""
    return bool(LONG_PAST.search(clause_around(text, start, end))) and not STILL_NOW.search(FINE_NOW.sub(" ", text))


def is_lifelong(text: Text) -> bool:
    """A difficulty the patient has always had, with nothing new or since a treatment."""
    return (bool(LIFELONG.search(text)) and not HAPPENING.search(text) and not STILL_NOW.search(text)
            and not AFTER_A_TREATMENT.search(text))


def is_exertion_or_nose(text: Text, start: int, end: int) -> bool:
    """Breathless from running (and not new since a treatment), or breathing blocked
    only through the nose."""
    if THROUGH_THE_NOSE.match(text[end:]) or (THROUGH_IT.match(text[end:]) and NOSE.search(text)):
        return True
    if (STUFFED_NOSE.search(text) and not MORE_THAN_THE_NOSE.search(text)
            and not SINCE_A_TREATMENT.search(QUESTION_ABOUT_LATER.sub(" ", text))):
        return True
    return ((bool(EXERTION.search(clause_around(text, start, end))) or bool(UNFIT.search(text)))
            and not SINCE_A_TREATMENT.search(QUESTION_ABOUT_LATER.sub(" ", text)))


def is_said_lightly(text: Text, start: int, end: int) -> bool:
    """A crisis phrase used as a figure of speech, as an apology to the clinic, or as
    not wanting to burden someone."""
    if FIGURE_OF_SPEECH_AFTER.match(text[end:]):
        return True
    if SLANG.search(text[start:end]) and JOKING.search(text) and not NOT_JOKING.search(text):
        return True
    if MEDIA_BEFORE.search(text[max(0, start - 60):start]):
        return True
    if CHORE_CONDITION.search(text[:start]) and LAUGH_AFTER.match(text[end:]):
        return True
    if SHOT_AT_A_THING.search(text[start:end]) and AT_A_THING_AFTER_ES.match(text[end:]):
        return True
    if CANT_TAKE_IT.search(text[start:end]) and AT_A_THING_AFTER.match(text[end:]):
        return True
    if WOULD_BEFORE.search(text[:start]) and FOR_A_THING_AFTER.match(text[end:]):
        return True
    if TIRED_OF_LIVING.search(text[start:end]) and IN_A_THING_AFTER.match(text[end:]):
        return True
    if not BURDEN.search(text[start:end]):
        return False
    clause = clause_around(text, start, end)
    if FINALITY.search(clause):
        return False
    before = text[max(0, start - 30):start] + text[start:end][:BURDEN.search(text[start:end]).start()]
    if NOT_WANTING_TO_BE.search(before) and not NOT_WANTING_ANY_MORE.search(before):
        return True
    return (not TO_THE_FAMILY.search(clause)
            and bool(APOLOGY_TO_THE_CLINIC.search(text[max(0, start - 40):end + 40])))


def has_an_everyday_meaning(text: Text, start: int, end: int) -> bool:
    """Crisis words about grief, a pet, old scars or a daily routine: a goodbye at a
    deathbed, a goodbye letter to a dog, "botox for self harm scars", "I take all my
    pills in the morning"; suicide as a topic ("suicide risk"), a cut by accident ("cut
    myself shaving"), pills kept to dispose of ("for the take-back day")."""
    phrase = text[start:end]
    if re.search(r"unaliv|\bon (?:my|him|her|them)sel", phrase) and IN_A_GAME.search(text):
        return True
    if (re.search(r"suicid|attempt|intent|took (?:his|her|their) own life", phrase + text[end:end + 20])
            and SOMEONE_ELSE_BEFORE.search(text[max(0, start - 40):start])
            and YEARS_AGO.search(text) and WELL_NOW.search(text)):
        return True
    if FAREWELL_OR_GIVING.search(phrase) and (LOSS.search(text) or TO_A_PET_OR_A_PLACE.match(text[end:])):
        return True
    if re.search(r"good ?bye|farewell|despid|despedi", phrase) and MOVING_AWAY.search(text):
        return True
    if re.search(r"self[- ]?harm", phrase) and SCARS_AFTER.match(text[end:]):
        return True
    if (re.search(r"suicid", phrase) and SUICIDE_AS_A_TOPIC.match(text[end:])
            and not NOT_ONES_OWN.search(text[max(0, start - 8):start])):
        return True
    if (re.search(r"suicid", phrase) and AS_A_SIDE_EFFECT.search(clause_around(text, start, end))
            and not FIRST_PERSON_NOW.search(text)):
        return True
    if re.search(r"\b(?:cut|burn|burned|burnt|hurt)\w* ?my ?self\b", phrase) and BY_ACCIDENT_AFTER.match(text[end:]):
        return True
    if PILLS.search(phrase) and DISPOSAL.search(clause_around(text, start, end)):
        return True
    if WAKING.search(phrase) and WAKE_AT_A_TIME_AFTER.match(text[end:]):
        return True
    if HERE.search(phrase) and NOT_HERE_FOR_A_THING_AFTER.match(text[end:]):
        return True
    if WITHOUT_ME.search(phrase) and AT_A_TASK_AFTER.match(text[end:]):
        return True
    died_by = DIED_BY_BEFORE.search(text[max(0, start - 40):start])
    if (re.search(r"suicid", phrase) and died_by
            and not ONESELF_OR_NEARLY_BEFORE.search(text[max(0, start - 40):start][:died_by.start()])):
        return True
    return (bool(PILLS.search(phrase)) and bool(ROUTINE.search(clause_around(text, start, end)))
            and not RESOLVE.search(phrase))


def has_an_everyday_cause(text: Text, start: int, end: int) -> bool:
    """Tightness or swelling the patient puts down to anxiety, crying or a seasonal
    allergy, with nothing happening since a treatment."""
    return (bool(EVERYDAY_CAUSE.search(clause_around(text, start, end)))
            and not SINCE_A_TREATMENT.search(text) and not HAPPENING.search(text))


def has_an_everyday_reason(text: Text) -> bool:
    """Giving things away or writing a will for a move, a clear-out or before a
    surgery or trip ("putting my affairs in order before my knee surgery")."""
    return bool(EVERYDAY_REASON.search(text))


def level_of(flag: Text) -> Optional[Text]:
    if flag in CRISIS_FLAGS:
        return "crisis"
    if flag in EMERGENCY_FLAGS:
        return "emergency"
    if flag in AFTER_TREATMENT_FLAGS:
        return "after_treatment"
    return None


RedFlagPattern = Tuple[Text, Pattern, Optional[Literals]]


def load_patterns(path: Path) -> List[RedFlagPattern]:
    """(category, compiled pattern, the literals its every match contains) for every
    pattern in the patterns file. The patterns are written in lower case and read folded
    text (lower case), so they are compiled without re.IGNORECASE: a third faster, the
    same matches (a thousand patterns run on every message)."""
    content = yaml_files.safe_load(path.read_text(encoding="utf-8")) or {}
    compiled = [(category, re.compile(pattern))
                for category, patterns in content.items() for pattern in patterns or []]
    return [(category, pattern, required_literals(pattern)) for category, pattern in compiled]


def pattern_flags(text: Text, patterns: Iterable[RedFlagPattern]) -> List[Dict[Text, Any]]:
    """Pattern matches as red-flag entities, so the same rules apply to them. A pattern
    whose literals are not in the text cannot match and is skipped (required_literals.py)."""
    return [{"entity": RED_FLAG_ENTITY, "value": category, "start": match.start(), "end": match.end()}
            for category, pattern, literals in patterns if may_match(text, literals)
            for match in pattern.finditer(text)]


def red_flags_with_levels(entities: List[Dict[Text, Any]]) -> Iterable[Tuple[Dict[Text, Any], Text]]:
    """The red-flag entities, each with its safety level."""
    for entity in entities:
        level = level_of(entity.get("value", "")) if entity.get("entity") == RED_FLAG_ENTITY else None
        if level is not None:
            yield entity, level


def evidence_levels(text: Text, entities: List[Dict[Text, Any]]) -> List[Text]:
    """The safety levels that red-flag phrases in `text` really report."""
    text = fold(text)
    levels = []
    for entity, level in red_flags_with_levels(entities):
        start, end = entity["start"], entity["end"]
        if is_negated(text, start, crisis=level == "crisis", end=end):
            continue
        if level == "crisis" and (is_said_lightly(text, start, end) or has_an_everyday_meaning(text, start, end)):
            continue
        if entity.get("value") == "affairs_in_order" and (has_an_everyday_reason(text)
                                                          or LAUGH_SOON_AFTER.match(text[end:])):
            continue
        if level != "crisis" and (asks_about_a_risk(text, start, end) or is_long_past(text, start, end)
                                  or is_lifelong(text)):
            continue
        if entity.get("value") == "breathing" and is_exertion_or_nose(text, start, end):
            continue
        if entity.get("value") == "swallowing" and (
                SWALLOW_FIGURATIVELY.match(text[end:])
                or ((BIG_PILLS.search(text) or PILLS_IN_ANOTHER_FORM.search(text))
                    and not AFTER_A_TREATMENT.search(text) and not HAPPENING.search(text))):
            continue
        if level == "emergency" and has_an_everyday_cause(text, start, end):
            continue
        if level == "emergency" and CHOKING_UP.search(text[start:end]) and UP_AFTER.match(text[end:]):
            continue
        if level != "crisis" and DENIED_INSIDE.search(text[start:end]):
            continue
        if entity.get("value") == "speaking" and RECORDED_SPEECH.search(clause_around(text, start, end)):
            continue
        if level == "after_treatment" and (not AFTER_A_TREATMENT.search(text) or NO_TREATMENT_YET.search(text)):
            continue
        levels.append(level)
    return levels


def denied_levels(text: Text, entities: List[Dict[Text, Any]]) -> List[Text]:
    """The safety levels that `text` names only to deny ("no blurry vision, all good")."""
    text = fold(text)
    negated: Dict[Text, List[bool]] = {}
    for entity, level in red_flags_with_levels(entities):
        negated.setdefault(level, []).append(
            is_negated(text, entity["start"], crisis=level == "crisis", end=entity["end"]))
    return [level for level, each in negated.items() if all(each)]


def put_first(message: Message, intent_name: Text, confidence: float, *dropped: Text) -> None:
    """Makes `intent_name` the message's intent, first in its ranking; `dropped` intents
    leave the ranking."""
    intent = {"name": intent_name, "confidence": confidence}
    ranking = [entry for entry in message.get(INTENT_RANKING_KEY) or []
               if entry.get("name") not in (intent_name, *dropped)]
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [intent] + ranking, add_to_output=True)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class RedFlagGuard(GraphComponent):
    """Puts the crisis, emergency or after-treatment intent first on real evidence,
    and keeps the classifier alone from replacing the answer to a question."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # Regular expressions per red-flag category (English, Spanish), relative
            # to the working directory (the repository root, where the servers run).
            "patterns_files": ["spacy_pipeline/lexicon/red_flag_patterns.yml",
                               "spacy_pipeline/lexicon/red_flag_patterns_es.yml"],
            "crisis_intent": "express_crisis",
            "emergency_intent": "report_emergency_symptoms",
            "after_treatment_intent": "report_symptoms_after_treatment",
            # A classifier-only crisis or emergency prediction at or above this
            # confidence adds the gentle line; below it, nothing is added.
            "crisis_note_threshold": 0.3,
            "emergency_note_threshold": 0.3,
            # The FallbackClassifier's threshold: a demoted answer below it is the fallback.
            "fallback_threshold": 0.3,
            "fallback_intent": "nlu_fallback",
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = config
        self._intent_of_level = {
            "crisis": config["crisis_intent"],
            "emergency": config["emergency_intent"],
            "after_treatment": config["after_treatment_intent"],
        }
        self._classifier_only = {
            config["crisis_intent"]: ("crisis", config["crisis_note_threshold"]),
            config["emergency_intent"]: ("emergency", config["emergency_note_threshold"]),
        }
        self._patterns = [pattern for path in config["patterns_files"] for pattern in load_patterns(Path(path))]

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "RedFlagGuard":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._guard(message)
        return messages

    def _guard(self, message: Message) -> None:
        entities = message.get(ENTITIES) or []
        text = message.get(TEXT) or ""
        # Patterns are written without accents: they read the folded text (same offsets).
        flags = entities + pattern_flags(fold(text), self._patterns)
        levels = evidence_levels(text, flags)
        if levels:
            first = min(levels, key=LEVELS.index)
            put_first(message, self._intent_of_level[first], 1.0)
        elif ((message.get(INTENT) or {}).get("name") == self._intent_of_level["after_treatment"]
              and "after_treatment" in denied_levels(text, flags)):
            # The classifier heard the spread sign that the patient says is not there.
            put_first(message, *self._next_answer(message, self._intent_of_level["after_treatment"]))
        else:
            self._keep_the_question(message)
        # The flags did their job; keep them out of slots and entity evaluation.
        message.set(ENTITIES, [e for e in entities if e.get("entity") != RED_FLAG_ENTITY],
                    add_to_output=True)

    def _keep_the_question(self, message: Message) -> None:
        """A crisis or emergency predicted by the classifier alone: answer the next intent."""
        intent = message.get(INTENT) or {}
        predicted = self._classifier_only.get(intent.get("name"))
        if predicted is None:
            return
        kind, threshold = predicted
        confidence = float(intent.get("confidence") or 0.0)
        put_first(message, *self._next_answer(message))
        if kind == "emergency" and SIGNS_ARE_FINE.search(fold(message.get(TEXT) or "")):
            return
        if confidence >= threshold:
            note = {"kind": kind, "confidence": round(confidence, 4)}
            message.set(safety_notes.PARSE_KEY, note, add_to_output=True)
            safety_notes.leave(kind)

    def _next_answer(self, message: Message, *also_demoted: Text) -> Tuple[Text, float]:
        """The first intent in the ranking that is no red flag, or the fallback below its threshold."""
        demoted = set(self._classifier_only) | {self._config["fallback_intent"], *also_demoted}
        for entry in message.get(INTENT_RANKING_KEY) or []:
            if entry.get("name") not in demoted:
                confidence = float(entry.get("confidence") or 0.0)
                if confidence >= self._config["fallback_threshold"]:
                    return entry["name"], confidence
                break
        return self._config["fallback_intent"], float((message.get(INTENT) or {}).get("confidence") or 0.0)

