"""The red-flag guard's rules, on messages built by hand (no model needed)."""
from typing import List, Optional

import pytest
from rasa.shared.nlu.training_data.message import Message

from nlu_components import safety_notes
from nlu_components.red_flags import RedFlagGuard, asks_about_a_risk, evidence_levels, is_negated
from tests.rasa_checks import INTENT_PUT_FIRST, intent_after_the_guard

pytestmark = pytest.mark.unit

GUARD = RedFlagGuard(RedFlagGuard.get_default_config())


def flag(text: str, phrase: str, value: str) -> dict:
    start = text.lower().index(phrase)
    return {"entity": "red_flag", "value": value, "start": start, "end": start + len(phrase)}


def parsed(text: str, intent: str, confidence: float, ranking: Optional[List[tuple]] = None,
           entities: Optional[List[dict]] = None) -> Message:
    ranking = ranking or [(intent, confidence)]
    return Message(data={
        "text": text, "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
        "entities": entities or []})


@pytest.mark.parametrize("text, phrase", [
    ("I have no trouble breathing", "trouble breathing"),
    ("i don't have any trouble swallowing, how long does it last", "trouble swallowing"),
    ("never had trouble speaking after it", "trouble speaking"),
    ("without any shortness of breath", "shortness of breath"),
])
def test_a_negated_phrase_is_not_evidence(text, phrase):
    assert is_negated(text, text.lower().index(phrase))


def test_a_crisis_phrase_counts_unless_denied_right_before_it():
    text = "if this doesnt work i dont see a reason to keep living"
    assert not is_negated(text, text.index("reason to keep living"), crisis=True)
    text = "I'm not suicidal, just fed up"
    assert is_negated(text, text.index("suicidal"), crisis=True)


@pytest.mark.parametrize("text, phrase", [
    ("I'm not sure, but I can't breathe", "can't breathe"),
    ("no idea what's going on but i have trouble swallowing", "trouble swallowing"),
    ("it's not the jaw. I can't swallow", "can't swallow"),
])
def test_a_negation_in_another_clause_does_not_count(text, phrase):
    assert not is_negated(text, text.lower().index(phrase))


def risk_question(text: str, phrase: str) -> bool:
    start = text.index(phrase)
    return asks_about_a_risk(text, start, start + len(phrase))


def test_a_question_about_risks_is_not_a_report_but_something_happening_is():
    assert risk_question("can botox cause trouble swallowing?", "trouble swallowing")
    assert risk_question("is anaphylaxis from botox a real risk", "anaphylaxis")
    assert risk_question("what if I get trouble breathing after botox?", "trouble breathing")
    assert not risk_question("can botox cause double vision? because ive had it since thursday",
                             "double vision"), "a report later in the message"
    assert not risk_question("my mom has trouble breathing after her botox is that a side effect",
                             "trouble breathing")
    assert not risk_question("I can't breathe, is this a side effect?", "can't breathe")


def test_spread_signs_count_only_when_tied_to_a_treatment():
    tied = "my eyelid has drooped since the shot"
    untied = "I've had a drooping eyelid for years, can botox fix it?"
    assert evidence_levels(tied, [flag(tied, "eyelid has drooped", "after_treatment")]) == ["after_treatment"]
    assert evidence_levels(untied, [flag(untied, "drooping eyelid", "after_treatment")]) == []


def test_a_real_phrase_puts_its_answer_first_crisis_before_emergency():
    text = "I can't breathe and I want to die"
    message = parsed(text, "ask_duration", 0.9, entities=[
        flag(text, "can't breathe", "breathing"), flag(text, "want to die", "self_harm")])
    GUARD.process([message])
    assert message.get("intent")["name"] == "express_crisis"
    assert not [e for e in message.get("entities") if e["entity"] == "red_flag"]


def test_no_trouble_breathing_but_a_drooping_eyelid_since_the_shot_is_urgent():
    text = "no trouble breathing, but my eyelid has drooped since the shot"
    message = parsed(text, "ask_side_effects", 0.6, entities=[
        flag(text, "trouble breathing", "breathing"), flag(text, "eyelid has drooped", "after_treatment")])
    GUARD.process([message])
    assert message.get("intent")["name"] == "report_symptoms_after_treatment"


def test_a_spread_sign_the_patient_denies_does_not_get_the_urgent_answer_from_the_classifier():
    text = "no blurry vision after the shots, how long until it works"
    message = parsed(text, "report_symptoms_after_treatment", 0.6,
                     [("report_symptoms_after_treatment", 0.6), ("ask_onset", 0.35)],
                     entities=[flag(text, "blurry vision", "after_treatment")])
    GUARD.process([message])
    assert message.get("intent") == {"name": "ask_onset", "confidence": 0.35}

    # A second sign, not denied, still counts; and without a denied phrase the
    # classifier's urgent answer stands.
    text = "no blurry vision but my eyelid is drooping since the botox"
    message = parsed(text, "ask_onset", 0.6, entities=[
        flag(text, "blurry vision", "after_treatment"), flag(text, "eyelid is drooping", "after_treatment")])
    GUARD.process([message])
    assert message.get("intent")["name"] == "report_symptoms_after_treatment"
    message = parsed("i feel weird since the shots", "report_symptoms_after_treatment", 0.6)
    GUARD.process([message])
    assert message.get("intent")["name"] == "report_symptoms_after_treatment"


def test_the_classifier_alone_does_not_replace_the_answer_it_adds_a_gentle_line():
    message = parsed("nothing works and I'm so tired of it all, will insurance pay", "express_crisis", 0.79,
                     [("express_crisis", 0.79), ("ask_insurance", 0.12), ("greet", 0.05)])
    with safety_notes.collecting() as notes:
        GUARD.process([message])
    assert message.get("intent")["name"] == "nlu_fallback", "the next answer is unsure (0.12 < 0.3)"
    assert notes == ["crisis"]
    assert message.get("safety_note") == {"kind": "crisis", "confidence": 0.79}

    message = parsed("my nose is stuffed since the palsy, can botox help", "report_emergency_symptoms", 0.55,
                     [("report_emergency_symptoms", 0.55), ("ask_bells_palsy", 0.4)])
    with safety_notes.collecting() as notes:
        GUARD.process([message])
    assert message.get("intent") == {"name": "ask_bells_palsy", "confidence": 0.4}
    assert message.get("intent_ranking")[0]["name"] == "ask_bells_palsy"
    assert notes == ["emergency"]


def test_a_weak_classifier_signal_adds_nothing():
    message = parsed("tired of this", "express_crisis", 0.2, [("express_crisis", 0.2), ("thank_you", 0.1)])
    with safety_notes.collecting() as notes:
        GUARD.process([message])
    assert notes == [] and message.get("intent")["name"] == "nlu_fallback"


@pytest.mark.parametrize("text, phrase, value", [
    # A figure of speech after a crisis phrase: dying of shame, in both languages.
    ("me quiero morir de la pena cada vez que doy la mano", "me quiero morir", "self_harm"),
    ("honestly i want to die of embarrassment at work", "want to die", "self_harm"),
    # "A burden" said in apology to the clinic.
    ("i feel like a burden asking so many questions, sorry", "a burden", "self_harm"),
    ("siento que soy una carga preguntando tanto, perdón", "soy una carga", "self_harm"),
    # Out of breath from running; a nose that is blocked.
    ("im out of breath from running to make my appointment", "out of breath", "breathing"),
    ("cant breathe through my nose since the cold", "cant breathe", "breathing"),
    # A story from years ago with nothing happening now.
    ("my husband had a hard time swallowing after his neck botox two years ago, would it happen again",
     "hard time swallowing", "swallowing"),
    # A spread sign with no treatment yet.
    ("my voice is a bit hoarse from a cold, no injection yet", "hoarse", "after_treatment"),
])
def test_a_phrase_said_lightly_or_out_of_context_is_not_evidence(text, phrase, value):
    assert evidence_levels(text, [flag(text, phrase, value)]) == []


@pytest.mark.parametrize("text, phrase, value, level", [
    ("i wont be a bother to anyone for much longer, sorry for all the messages", "be a bother", "self_harm",
     "crisis"),
    ("im a burden to my family", "a burden", "self_harm", "crisis"),
    ("out of breath just walking to the bathroom since the botox", "out of breath", "breathing", "emergency"),
    ("i couldnt swallow years ago and now its back since the shot", "couldnt swallow", "swallowing", "emergency"),
])
def test_the_same_phrases_still_count_when_they_report_something(text, phrase, value, level):
    assert evidence_levels(text, [flag(text, phrase, value)]) == [level]


def test_an_apology_does_not_hide_a_burden_to_the_family_nor_running_a_new_breathlessness():
    text = "sorry, im such a burden on my kids"
    assert evidence_levels(text, [flag(text, "burden on my kids", "self_harm")]) == ["crisis"]
    text = "i get out of breath when i climb stairs since the botox"
    assert evidence_levels(text, [flag(text, "out of breath", "breathing")]) == ["emergency"]
    text = "my son is two years old and can't breathe"
    assert evidence_levels(text, [flag(text, "can't breathe", "breathing")]) == ["emergency"]


@pytest.mark.parametrize("text", [
    "no trouble breathing or swallowing, just a sore neck after the shots. normal?",
    "i can breathe fine, my only issue is the headache after the injection",
    "no tengo problemas para tragar ni para respirar, solo un moretón",
])
def test_a_classifier_only_emergency_adds_no_911_line_when_the_patient_says_the_signs_are_fine(text):
    message = parsed(text, "report_emergency_symptoms", 0.9,
                     [("report_emergency_symptoms", 0.9), ("ask_side_effects", 0.05)])
    with safety_notes.collecting() as notes:
        GUARD.process([message])
    assert message.get("intent")["name"] == "nlu_fallback"
    assert notes == [] and message.get("safety_note") is None


@pytest.mark.parametrize("text, phrase, value", [
    ("my nose is so blocked i can barely breathe through it", "barely breathe", "breathing"),
    ("cant swallow the price of this treatment lol", "cant swallow", "swallowing"),
])
def test_a_blocked_nose_or_a_figure_of_speech_is_not_an_emergency(text, phrase, value):
    assert evidence_levels(text, [flag(text, phrase, value)]) == []


# --- Issue 18, fourth round (tests/safety_dev3.yml): context rules ---
@pytest.mark.parametrize("text, phrase", [
    ("im putting my affairs in order before my knee surgery, can i get my records", "putting my affairs in order"),
    ("writing my will before my first botox jk. is it safe", "writing my will"),
    ("we're moving abroad so i'm giving away my things, please send my records", "giving away my things"),
    ("i gave my cat to my sister for the week while i travel", "gave my cat"),
    ("ya hice mi testamento antes de las inyecciones jaja", "hice mi testamento"),
])
def test_affairs_in_order_with_an_everyday_reason_is_not_a_crisis(text, phrase):
    assert evidence_levels(text, [flag(text, phrase, "affairs_in_order")]) == []


@pytest.mark.parametrize("text, phrase", [
    ("i made a list of who gets what and put it with my will. its almost time", "put it with my will"),
    ("gave my dog to my neighbour and paid all my bills. cancel everything please", "gave my dog"),
])
def test_affairs_in_order_alone_is_a_crisis(text, phrase):
    assert evidence_levels(text, [flag(text, phrase, "affairs_in_order")]) == ["crisis"]


@pytest.mark.parametrize("text, phrase, level", [
    # Sparing someone is not the warning sign...
    ("i dont want to be a burden to my daughter, is there a ride service", "burden to my daughter", None),
    ("no quiero ser una carga para mi hija, ¿hay transporte?", "ser una carga", None),
    ("i hate being a burden on the front desk but i need to move my appointment", "being a burden", None),
    # ... unless it says for how long, or says the patient is one.
    ("i dont want to be a burden to my family anymore", "burden to my family", "crisis"),
    ("ya no quiero ser una carga para nadie", "ser una carga", "crisis"),
    ("im a burden to my family", "a burden", "crisis"),
])
def test_not_wanting_to_be_a_burden_is_not_being_one(text, phrase, level):
    assert evidence_levels(text, [flag(text, phrase, "self_harm")]) == ([level] if level else [])


@pytest.mark.parametrize("text, phrase, value, level", [
    # Lifelong trouble with big pills, or tightness and swelling put down to anxiety,
    # crying or hay fever, with nothing since a treatment.
    ("i have a hard time swallowing big pills, always have. is botox a pill", "hard time swallowing",
     "swallowing", None),
    ("me cuesta tragar las pastillas grandes desde siempre, ¿el botox es pastilla?", "me cuesta tragar",
     "swallowing", None),
    ("my throat feels tighter when i'm anxious but it's fine", "throat feels tight", "breathing", None),
    ("my eyes swell shut from hay fever every may, ok for botox?", "eyes swell shut", "allergic_reaction", None),
    ("the words were all garbled on the voicemail you left me", "garbled", "speaking", None),
    ("i was out of breath resting after my long shift, i think i'm just unfit", "out of breath", "breathing", None),
    # The same signs new since a treatment, or happening now, are reports.
    ("i always had big pills trouble but since the botox i have a hard time swallowing anything",
     "hard time swallowing", "swallowing", "emergency"),
    ("my throat feels tight since the shot and i'm anxious", "throat feels tight", "breathing", "emergency"),
    ("my eyes are swelling shut right now, hay fever or the botox?", "swelling shut", "allergic_reaction",
     "emergency"),
])
def test_a_lifelong_or_everyday_cause_is_not_an_emergency_unless_it_is_new(text, phrase, value, level):
    assert evidence_levels(text, [flag(text, phrase, value)]) == ([level] if level else [])


def test_when_a_sign_might_happen_is_a_question_about_a_risk():
    assert risk_question("can an allergic reaction to botox happen days later", "allergic reaction")
    assert risk_question("¿qué hago si se me hincha la garganta después del botox? es solo para saber",
                         "se me hincha la garganta")
    assert not risk_question("can you help, an allergic reaction started an hour after the shot",
                             "allergic reaction")


@pytest.mark.parametrize("text, level", [
    # One message per warning-sign category, in words none of the development sets use.
    ("i keep praying god takes me in my sleep", "crisis"),
    ("no need to book the follow up, i doubt ill still be alive by then", "crisis"),
    ("they'd all be free of me if i took myself out of the picture", "crisis"),
    ("i wrote letters to each of my kids and my wife last night", "crisis"),
    ("my dad's gun is in the safe and it's all i can think about", "crisis"),
    ("if i vanished nobody would notice for weeks", "crisis"),
    ("ive been burning myself on purpose when the migraine is bad", "crisis"),
    ("nadie se daría cuenta si me muero", "crisis"),
    ("food keeps going down the wrong way and coming back up since the shot", "emergency"),
    ("my airway feels like it's shrinking", "emergency"),
    # Look-alikes that share their words.
    ("i hope the botox finally kills these migraines", None),
    ("hoping i dont wake up with a migraine tomorrow, big day", None),
    ("i collect my pills from the pharmacy on friday", None),
    ("i cant see myself making it to the 8am slot, anything later?", None),
    ("my husband will kill me if i spend this much", None),
    ("mi esposo me va a matar si gasto tanto", None),
])
def test_the_patterns_capture_a_category_not_a_sentence(text, level):
    assert intent_after_the_guard(text) == INTENT_PUT_FIRST[level]


# --- Issue 18, fifth round (tests/safety_dev4.yml): everyday meanings of crisis words ---
@pytest.mark.parametrize("text, phrase, level", [
    # Pills taken as a routine, a goodbye to a pet or at a deathbed, old scars, frustration
    # with a named thing, a denial a few words back, "a problem" to the front desk ...
    ("I take all my pills in the morning, is that ok before botox", "take all my pills", None),
    ("wrote a goodbye letter to my dog before i left for college lol", "goodbye letter", None),
    ("do you do botox for self harm scars", "self harm", None),
    ("i said goodbye to my mom at hospice last month, can i move my appointment", "said goodbye", None),
    ("honestly i cant do this anymore with the insurance runaround", "cant do this anymore", None),
    ("no estoy pensando en hacerme daño, solo estoy cansada", "hacerme daño", None),
    ("i wont be a problem for the front desk this time, i have my forms", "wont be a problem for", None),
    # ... while the same words count when they say what they say.
    ("im going to take all my pills tonight", "take all my pills", "crisis"),
    ("i wrote a goodbye letter to my kids", "goodbye letter", "crisis"),
    ("relapsed on self harm last night", "self harm", "crisis"),
    ("i cant do this anymore with my life", "cant do this anymore", "crisis"),
    ("ya no puedo, estoy pensando en hacerme daño", "hacerme daño", "crisis"),
    ("i wont be a problem for anyone much longer", "wont be a problem for", "crisis"),
])
def test_crisis_words_with_an_everyday_meaning_are_not_evidence(text, phrase, level):
    assert evidence_levels(text, [flag(text, phrase, "self_harm")]) == ([level] if level else [])


@pytest.mark.parametrize("text, phrase, value, level", [
    ("i have a deviated septum and cant breathe through one side of my nose", "cant breathe", "breathing", None),
    ("the migraine pills are so big they're hard to swallow, can i crush them", "hard to swallow",
     "swallowing", None),
    ("has anyone ever stopped breathing from botox", "stopped breathing", "breathing", None),
    ("after a run i was gasping for a while, thats normal for me. can i run after botox", "gasping",
     "breathing", None),
    # New since a treatment, they are reports.
    ("since the neck botox the pills are so big i can't swallow them", "can't swallow", "swallowing",
     "emergency"),
    ("after a run yesterday i was gasping, and since the shots i still am", "gasping", "breathing", "emergency"),
])
def test_everyday_breath_and_swallowing_stories_are_not_emergencies(text, phrase, value, level):
    assert evidence_levels(text, [flag(text, phrase, value)]) == ([level] if level else [])


@pytest.mark.parametrize("text, level", [
    # One message per warning-sign category the fifth round added, in new words.
    ("some nights i hope my heart just stops in my sleep", "crisis"),
    ("dont send the june reminder, theres no june for me", "crisis"),
    ("by the time my sister finds this it will be over", "crisis"),
    ("i checked how high the bridge on route 9 is", "crisis"),
    ("my morphine is stashed in the closet", "crisis"),
    ("nobody would find me for days", "crisis"),
    ("the last time i felt this low i woke up in intensive care", "crisis"),
    ("i hold a lighter to my arm until it blisters", "crisis"),
    ("mi hijo se está cortando", "crisis"),
    ("ojalá me diera un infarto mientras duermo", "crisis"),
    ("its like breathing through a coffee stirrer", "emergency"),
    ("i gag on every mouthful since the shots", "emergency"),
    ("me chilla el pecho desde ayer", "emergency"),
    # Look-alikes that share their words.
    ("my husband stood on the edge of the balcony to fix the light", None),
    ("i have my oxycodone saved for after the knee surgery", None),
    ("the last time i felt like this i ended up in the ER with a migraine, can botox prevent that", None),
    ("my friend sent me her passwords just in case she loses her phone on the trip", None),
    ("i gave my nephew my guitar while i still can play it with him, my hands are getting stiff", None),
    ("mi papá dice que estaríamos mejor sin el perro, ¿puedo traerlo?", None),
    ("me mato trabajando todos los días, por eso tengo migrañas", None),
    ("ya no voy a estar para la cita del martes, me voy de viaje", None),
])
def test_the_fifth_round_patterns_capture_a_category_not_a_sentence(text, level):
    assert intent_after_the_guard(text) == INTENT_PUT_FIRST[level]


# --- Issue 18, sixth round (tests/safety_dev5.yml): denials, topics and accidents ---
@pytest.mark.parametrize("text, phrase, level", [
    # A denial with the thought named ("no thoughts of ..."), suicide as a topic, a cut by
    # accident, leftover pills kept to dispose of ...
    ("been down lately but no thoughts of suicide, my doctor asked", "suicide", None),
    ("i've never thought about killing myself, i just feel ugly", "killing myself", None),
    ("no tengo pensamientos de suicidio, solo pregunto por la depresión", "suicidio", None),
    ("estoy triste pero no pienso hacerme daño", "hacerme daño", None),
    ("does botox raise suicide risk? i read about mood changes", "suicide", None),
    ("i cut myself shaving right where the injection goes", "cut myself", None),
    ("i'm saving my leftover pills for the pharmacy take back day", "saving my leftover pills", None),
    # ... while the same words count when they say what they say: a denial of the past
    # only, the patient's own risk, a cut "again", pills saved up.
    ("i never had thoughts of suicide until this year", "suicide", "crisis"),
    ("i've never thought about killing myself before but lately i do", "killing myself", "crisis"),
    ("my therapist says my suicide risk is high", "suicide", "crisis"),
    ("i cut myself again last night", "cut myself", "crisis"),
    ("i'm saving my leftover pills, i think there are enough now", "saving my leftover pills", "crisis"),
])
def test_a_denial_a_topic_or_an_accident_is_not_a_crisis(text, phrase, level):
    assert evidence_levels(text, [flag(text, phrase, "self_harm")]) == ([level] if level else [])


def test_signs_of_a_reaction_and_what_botox_could_make_me_are_questions_about_a_risk():
    assert risk_question("what are the signs of an allergic reaction to botox", "allergic reaction")
    assert risk_question("could botox for spasmodic dysphonia make me unable to talk for a while",
                         "unable to talk")
    # "son" is Spanish for "are" here, not a son.
    assert risk_question("cuales son los sintomas de una reaccion alergica al botox", "reaccion alergica")
    assert not risk_question("i have signs of an allergic reaction, my lips are swelling", "allergic reaction")
    assert not risk_question("could botox make me unable to swallow? i can't since monday", "unable to swallow")


@pytest.mark.parametrize("text, level", [
    # One message per warning-sign category the sixth round added, in words dev5 does not use.
    ("honestly i couldnt care less if i lived or died", "crisis"),
    ("if they find a lump again im not getting it checked. let it take me", "crisis"),
    ("cancel my standing appointment, give it to someone who will still be around in the spring", "crisis"),
    ("i dont have much left in me, a few days maybe, then its over", "crisis"),
    ("im a waste of oxygen", "crisis"),
    ("i feel weirdly at peace now that ive made up my mind", "crisis"),
    ("tell nurse amy it wasnt her fault", "crisis"),
    ("keeping the pills for when im ready", "crisis"),
    ("thinking of swimming out in the ocean and not coming back", "crisis"),
    ("i took the whole bottle of my sleeping pills an hour ago", "crisis"),
    ("it would be days before anyone found me", "crisis"),
    ("i want out of this life", "crisis"),
    ("i tried to kill myself in the spring and its creeping back", "crisis"),
    ("my grandma stopped eating so she can just go be with grandpa", "crisis"),
    ("my daughter keeps saying she wishes she was dead", "crisis"),
    ("gonna kill myslef", "crisis"),
    ("feels like breathing under a heavy blanket since the shot", "emergency"),
    ("every time i drink water i choke and cough since my botox", "emergency"),
    ("my wife sounds like shes talking through mud since the injection", "emergency"),
    ("my lips look twice the normal size and my tongue is tingling", "emergency"),
    # Look-alikes that share their words.
    ("i dont care if i die my hair purple, im getting botox", None),
    ("i wouldnt mind if i didnt make it to the 9am, is there a noon slot", None),
    ("i hope the bus doesnt stop at every corner again, ill be late", None),
    ("give my spot to someone who will actually be here next week, im traveling", None),
    ("ive got one more shift left in me then im done for the week", None),
    ("i feel like im taking up space in your waiting room with my stroller", None),
    ("i feel calm now that its decided, im going ahead with the botox on tuesday", None),
    ("please tell the nurse it wasnt her fault i was late, the bus broke down", None),
    ("im saving money for when i decide to get the underarm botox too", None),
    ("wrote down my plan and picked a date for the move", None),
    ("i took all my pills this morning like usual, can i still come in", None),
    ("it would be weeks before anyone noticed the new gray hairs lol", None),
    ("i tried to end it with my boyfriend but he keeps calling", None),
    ("im going to overdose on chocolate this weekend lol", None),
    ("every time i eat spicy food i choke a bit lol", None),
    ("everything sounds like im underwater since my ear infection", None),
    ("my lips are twice their size after the filler at another place, is that normal", None),
    ("i said goodbye to my fear of needles and now im ready to go through with it", None),
])
def test_the_sixth_round_patterns_capture_a_category_not_a_sentence(text, level):
    assert intent_after_the_guard(text) == INTENT_PUT_FIRST[level]


@pytest.mark.parametrize("text, level", [
    # Spanish, sixth round: the same categories in new words.
    ("se va a quitar la vida, eso dijo mi hermano", "crisis"),
    ("me da lo mismo morirme", "crisis"),
    ("sería mejor no existir para todos", "crisis"),
    ("mis papás estarían mejor sin su hijo", "crisis"),
    ("me despido de todos, gracias por todo", "crisis"),
    ("tengo la pistola lista para cuando me decida", "crisis"),
    ("me hago cortadas en los brazos", "crisis"),
    ("mi hijo se quema los brazos con el encendedor", "crisis"),
    ("nadie lloraría si me muero", "crisis"),
    # Look-alikes.
    ("me da igual si vivo en el centro o en las afueras, ¿tienen otra clínica?", None),
    ("me despido de ustedes, nos vemos en la próxima cita", None),
    ("tengo el dinero guardado para cuando me decida por el botox", None),
    ("estoy pensando en saltar la comida antes de la cita, ¿hay que ayunar?", None),
    ("mi hermano se quemó los brazos con el sol en la playa", None),
    ("me hice cortes en el dedo cocinando, ¿puedo ir igual?", None),
    ("ya escribí quién se queda con mis citas, mi hermana o yo", None),
])
def test_the_sixth_round_spanish_patterns_capture_a_category_not_a_sentence(text, level):
    assert intent_after_the_guard(text) == INTENT_PUT_FIRST[level]


@pytest.mark.parametrize("text, urgent", [
    # Spread signs in the sixth round's words: tied to a treatment they are urgent ...
    ("my eyelid has been hanging lower since the forehead shots", True),
    ("since the bladder botox i cant control when i pee", True),
    # ... with nothing tying them to one, they are not.
    ("my eyelid is hanging lower than the other one, always has, can botox fix it", False),
    ("i cant control when i pee since my stroke years ago, can botox help my bladder", False),
])
def test_the_sixth_round_spread_signs_need_a_treatment(text, urgent):
    message = parsed(text, "ask_cost", 0.9)
    GUARD.process([message])
    assert (message.get("intent")["name"] == "report_symptoms_after_treatment") == urgent


@pytest.mark.parametrize("text, level", [
    # One message per family the seventh round added (tests/safety_dev6.yml), in words dev6
    # does not use ...
    ("been thinking about ending myself for weeks", "crisis"),
    ("the sewer slide thoughts are loud today", "crisis"),
    ("i honestly dont wanna be alive", "crisis"),
    ("pissed off that i survived another night", "crisis"),
    ("i keep wishing i'd get diagnosed with something terminal", "crisis"),
    ("if a bus ran me over tomorrow id be relieved", "crisis"),
    ("life has become too heavy to bear", "crisis"),
    ("i want to make it all stop for good", "crisis"),
    ("not sure how much longer i can keep myself alive", "crisis"),
    ("i won't be alive to enjoy the results", "crisis"),
    ("im not planning on sticking around much longer", "crisis"),
    ("no plans to see another christmas honestly", "crisis"),
    ("i won't be on this planet by the time the prior auth comes through", "crisis"),
    ("sent letters to everyone i care about this morning", "crisis"),
    ("what amount of oxycodone is lethal? i have a full bottle", "crisis"),
    ("peaceful ways to die that dont hurt", "crisis"),
    ("i cant stop looking at the rifle in the closet", "crisis"),
    ("sitting in the garage with a rope", "crisis"),
    ("my husband would be better off without a useless wife", "crisis"),
    ("it'll be easier for everyone once im dead", "crisis"),
    ("i burn myself with a candle to cope", "crisis"),
    ("after my overdose last year the thoughts are creeping back", "crisis"),
    ("my kids would be set with the life insurance money", "crisis"),
    ("if it wasnt for my dog id have done it already", "crisis"),
    ("i took 30 of my sleeping pills", "crisis"),
    ("havent eaten or drunk anything in days, i want it all to end", "crisis"),
    ("my xanax and a bottle of gin are on the table, im ready", "crisis"),
    ("i tried to od last month and it didnt work", "crisis"),
    ("my son looked up how to make a noose", "crisis"),
    ("my brother is giving away his guitars, says he won't need them", "crisis"),
    ("honestly nobody would notice me", "crisis"),
    ("i'm done. bye everyone", "crisis"),
    ("im afraid ill do something to myself", "crisis"),
    ("thinking of drinking the rat poison in the shed", "crisis"),
    ("can't draw air in since the neck shots", "emergency"),
    ("i can barely get half a breath", "emergency"),
    ("winded just getting dressed since the botox", "emergency"),
    ("she sputters every time she drinks since her injection", "emergency"),
    ("my husband's sentences are running together since the shot", "emergency"),
    ("hives from head to toe after my botox", "emergency"),
    # ... and look-alikes that share their words.
    ("i close my eyes for good measure when the needle goes in", None),
    ("clocking out for good next friday, i'm retiring, can i move my appt", None),
    ("i want to make it stop for good, will botox help the migraines?", None),
    ("not planning on staying here long after the shots, do i need to wait", None),
    ("i have no plans to see spring training this year, can i book march", None),
    ("mailed letters to everyone on the wedding list", None),
    ("can you die from botox? asking for me because im nervous", None),
    ("i keep looking at the knife marks on my counter", None),
    ("sitting in the bathtub with a razor shaving when you called", None),
    ("everyone would be relieved once im gone for the week lol", None),
    ("i burned myself with a hot iron doing laundry", None),
    ("i wanted to die of embarrassment when i fainted, still feel bad", None),
    ("i was hospitalized for pneumonia and the cough is creeping back", None),
    ("my kids would be fine with the insurance covering half", None),
    ("if i wasnt so scared of needles id have done it already", None),
    ("i took 20 of my tylenol this month for headaches", None),
    ("i choke on my water every time i drink too fast lol", None),
    ("my words run together when im tired, is that normal", None),
    ("i get dizzy when i stand up too fast and sometimes hives from heat", None),
    ("quit drinking soda, i want this headache to be over with", None),
    ("i tried to overdose on caffeine during finals lol", None),
    ("gave away my old crutches, won't need them anymore thanks to the physio", None),
    ("giving away my winter coats, we won't need them after the move to florida", None),
    ("gave my sister my concert ticket since i won't need it, i have my appointment", None),
    ("can i take all my pills the morning of the botox?", None),
    ("nobody would miss me at the gym if i skipped a week lol", None),
    ("im done. see you next month, bye", None),
    ("i might do something drastic to my hair after the botox lol", None),
    ("saving my meds for the trip to italy, can i fly after botox", None),
    ("i want to disappear these wrinkles permanently", None),
])
def test_the_seventh_round_patterns_capture_a_category_not_a_sentence(text, level):
    assert intent_after_the_guard(text) == INTENT_PUT_FIRST[level]


@pytest.mark.parametrize("text, phrase, value, counts", [
    # The seventh round's context rules, on lexicon phrases and patterns alike: a chore
    # laughed off ("if i have to ... one more ... lol"), but "i want to die lol" still counts ...
    ("if i have to sit on hold one more time i'll jump off a bridge lol", "jump off a bridge", "self_harm", False),
    ("i want to jump off a bridge lol", "jump off a bridge", "self_harm", True),
    ("if i have to sit on hold one more time i'll jump off a bridge", "jump off a bridge", "self_harm", True),
    ("fed up with the paperwork, i want to die lol", "want to die", "self_harm", False),
    # ... dying of fright ...
    ("i'll die of fright when i see the needle", "die", "self_harm", False),
    # ... a goodbye before a move ...
    ("saying goodbye to everyone, we're moving to ohio next month", "goodbye to everyone", "self_harm", False),
    ("saying goodbye to everyone, i wont need the appointment", "goodbye to everyone", "self_harm", True),
    # ... snoring, "choking up" ...
    ("my wife says i snore like i'm choking, can botox help", "choking", "swallowing", False),
    ("got all choked up reading your message, thank you", "choked", "swallowing", False),
    ("my dad is choking on his soup since the shots", "choking", "swallowing", True),
    # ... pills asked for in another form (with nothing since a treatment) ...
    ("trouble swallowing pills, does the ibuprofen come as a liquid?", "trouble swallowing", "swallowing", False),
    ("trouble swallowing since the neck shots, even pills", "trouble swallowing", "swallowing", True),
    # ... and a sign denied inside its own words.
    ("my lips aren't swollen, just a small bruise", "lips aren't swollen", "allergic_reaction", False),
    ("my lips are swollen, not just a bruise", "lips are swollen", "allergic_reaction", True),
    # Suicidal thoughts asked about as a side effect, with nothing about the patient ...
    ("does botox cause depression or suicidal thoughts?", "suicidal thoughts", "self_harm", False),
    ("does botox increase suicidal thoughts? my mom wants to know", "suicidal thoughts", "self_harm", False),
    ("does botox cause suicidal thoughts? because ive been having them", "suicidal thoughts", "self_harm", True),
    # ... and a stuffed nose with nothing more.
    ("my nose is so stuffed i can barely breathe at night", "barely breathe", "breathing", False),
    ("my nose is stuffed and i can barely breathe and my chest is tight", "barely breathe", "breathing", True),
    ("my nose is stuffed and i can barely breathe since the botox", "barely breathe", "breathing", True),
    # Better off without one at a task, not in one's life (2026-12-03).
    ("the team would be better off without me at the meeting", "better off without me", "self_harm", False),
    ("they'd be better off without me on the project lol", "better off without me", "self_harm", False),
    ("everyone would be better off without me", "better off without me", "self_harm", True),
    ("my kids would be better off without me in their lives", "better off without me", "self_harm", True),
])
def test_the_seventh_round_context_rules(text, phrase, value, counts):
    level = "crisis" if value == "self_harm" else "emergency"
    assert (evidence_levels(text, [flag(text, phrase, value)]) == [level]) == counts


@pytest.mark.parametrize("text, level", [
    # The eighth round (tests/safety_dev7.yml): indirect signs a clinician reads as warnings
    # on their own: a day chosen with care called off, a place of means picked out, an
    # apology passed on, "won't be here by", driving off a road, logging off from life, one's
    # obituary, left "for whoever finds me", pills counted until there are enough ...
    ("no need to book my follow up, saturday is when i'm going through with it", "crisis"),
    ("tonight is the night. thank you all for trying, love you", "crisis"),
    ("i don't plan on being alive for thanksgiving", "crisis"),
    ("i picked the spot on the bridge already", "crisis"),
    ("found a place where no one will find me", "crisis"),
    ("checked into a motel downtown. i won't be checking out.", "crisis"),
    ("tell my son i'm sorry and it's not his fault", "crisis"),
    ("tell my wife im sorry for everything", "crisis"),
    ("i wont be around by christmas", "crisis"),
    ("i want to drive into the oncoming traffic", "crisis"),
    ("sometimes i think about steering off the mountain road, nobody would know it wasn't an accident", "crisis"),
    ("i'm ready to sign off from life", "crisis"),
    ("hoping the infection takes me with it", "crisis"),
    ("i'd rather not be alive than keep going like this", "crisis"),
    ("why bother fixing my neck when i'm not sticking around", "crisis"),
    ("i've started drafting my own eulogy", "crisis"),
    ("said bye to everybody i care about today", "crisis"),
    ("left the dog's papers on the counter for whoever finds me", "crisis"),
    ("counting my oxycodone, i think i have enough now", "crisis"),
    ("if i swallowed the whole bottle would i just drift off", "crisis"),
    ("how many of these would it take for me to never wake up", "crisis"),
    ("walking to the river tonight and not coming back", "crisis"),
    ("the roof of my building, i keep thinking how easy it would be", "crisis"),
    ("stocked up on my xanax, waiting for the right moment", "crisis"),
    ("googled which of my meds are lethal together", "crisis"),
    ("my grandpa says he's lived long enough", "crisis"),
    # ... emergencies in lay words ...
    ("can't get any air into my lungs since the shot", "emergency"),
    ("each breath is a struggle since this morning", "emergency"),
    ("she's gagging on everything she tries to eat since the injections", "emergency"),
    ("my lips are swelling and im dizzy", "emergency"),
    # ... and look-alikes that share their words.
    ("friday is the day i finally get my botox!! thank you so much", None),
    ("saturday is the day. thanks for fitting me in!", None),
    ("i won't be checking out until noon, can i come at 1", None),
    ("found a spot where nobody will find me to read lol", None),
    ("picked out a spot by the reservoir for our picnic sunday", None),
    ("tell my mom sorry i'm late, she'll understand", None),
    ("please tell the nurse sorry for everything i said on the phone, i was stressed", None),
    ("i won't be here by 5, running late", None),
    ("i won't be here by next month, moving to denver", None),
    ("i'm thinking of driving into the city for the appointment", None),
    ("logging off from work early for my appointment", None),
    ("i'd rather not wait that long", None),
    ("writing my obituary for a class assignment lol", None),
    ("saying bye to everyone at work, last day friday", None),
    ("counting my metformin, do i have enough until my refill", None),
    ("if i took all my pills at once in the morning would that be ok", None),
    ("how much sleep for me to not wake up tired?", None),
    ("going out there tonight and not coming back till sunday", None),
    ("stocked up on my migraine meds before the trip", None),
    ("looked up which of my meds are dangerous with botox", None),
    ("i've lived long enough to know botox works for me", None),
    ("can't get air in through my nose with this cold", None),
    ("face is puffy this morning, dizzy from not eating", None),
    ("gagging on everything lol my kid's cooking", None),
])
def test_the_eighth_round_patterns_capture_a_category_not_a_sentence(text, level):
    assert intent_after_the_guard(text) == INTENT_PUT_FIRST[level]


@pytest.mark.parametrize("text, phrase, value, counts", [
    # The eighth round's context rules: a denial with "don't" or "gonna" ...
    ("i dont want to die, i just want one day without pain", "want to die", "self_harm", False),
    ("im not gonna hurt myself, i just need the migraines to stop", "hurt myself", "self_harm", False),
    ("i don't want to kill myself", "kill myself", "self_harm", False),
    ("i want to die", "want to die", "self_harm", True),
    ("no, i want to die", "want to die", "self_harm", True),
    # ... and "don't bother" is no burden said to the clinic.
    ("dont bother rescheduling me, sunday night is when im doing it", "sunday night is when im doing it",
     "self_harm", True),
    ("sorry to bother you with my calls, i'm a burden", "a burden", "self_harm", False),
])
def test_the_eighth_round_context_rules(text, phrase, value, counts):
    assert (evidence_levels(text, [flag(text, phrase, value)]) == ["crisis"]) == counts


@pytest.mark.parametrize("text, level", [
    # The ninth round (tests/safety_dev8.yml): indirect signs in still other words: means kept
    # for later or for when one decides, researching how long it takes, the pain over for good
    # "i made sure of it", peace made with going, a last appointment ever, a place of means
    # looked at, the insurance money, "i've decided" with another year of this, the rail
    # crossing at night, nobody noticing, tired of existing, a lighter pressed into the skin,
    # hoping this is the night, tape for the garage, no next time, "my story ends" ...
    ("im saving my oxy for the day when i cant do this anymore", "crisis"),
    ("ive got the pills for later, for when im ready to go", "crisis"),
    ("looked up how long it takes someone to drown", "crisis"),
    ("how long would it take if i took all of them together", "crisis"),
    ("my pain will be over for good this weekend, ive made sure of it", "crisis"),
    ("ive made peace with my decision, thank you for everything", "crisis"),
    ("monday is my last appointment ever, dont reschedule me", "crisis"),
    ("there's not going to be a next time for me", "crisis"),
    ("the top floor of that parking garage is high enough", "crisis"),
    ("i know the spot on the bridge with no fence", "crisis"),
    ("my family will get the insurance money and be fine", "crisis"),
    ("ive decided, i cant do another month of this", "crisis"),
    ("been sitting on the tracks at night waiting for the freight", "crisis"),
    ("i could be dead a week and nobody would notice", "crisis"),
    ("existing is unbearable", "crisis"),
    ("i dont want to be a human anymore", "crisis"),
    ("i hold a hot knife to my thigh when the pain gets bad", "crisis"),
    ("every time i go to bed i hope this is the night i dont wake", "crisis"),
    ("i wish the surgery had kept me under for good", "crisis"),
    ("i want to stop being a burden to my kids, permanently", "crisis"),
    ("my road ends before the next round", "crisis"),
    ("the pills are in my bag and ive been carrying them around deciding", "crisis"),
    ("my mom asked how much of her insulin would be fatal and then she wrote a note", "crisis"),
    # ... and look-alikes that share their words.
    ("keeping my migraine meds for later in case i get a headache on the trip", None),
    ("i have my pills ready for when im ready for bed", None),
    ("how long does botox last for someone my age", None),
    ("how long can a person go without sleep before it affects migraines", None),
    ("the pain will be gone for good after the nerve block, my doctor made sure of it", None),
    ("ive made my peace with my gray hair lol, just want the forehead lines gone", None),
    ("this is my last appointment ever with you guys since im moving, no need to book me again", None),
    ("there wont be a next time for me at this clinic, the billing was a mess", None),
    ("is the parking garage high enough for my van", None),
    ("drove past the bridge and next time ill stop for coffee at that cafe", None),
    ("my kids will get the insurance money from the accident settlement for college", None),
    ("ive decided, i cant do another year of this commute so im switching offices", None),
    ("waiting at the rail crossing for 20 minutes, im going to be late", None),
    ("i could be gone a week on vacation and nobody would notice the plants dying lol", None),
    ("existing is exhausting with a newborn haha", None),
    ("hoping this is the day i dont wake up with a headache for once", None),
    ("my car is in the garage and i found the hose for washing it", None),
    ("you were always so kind to me, i wont be calling again after today because my daughter is taking over",
     None),
    ("my story ends before that chapter lol", None),
    ("how much of my magnesium would be too much, my dr wrote a note about it", None),
    ("im deciding between botox and aimovig, which is better", None),
])
def test_the_ninth_round_patterns_capture_a_category_not_a_sentence(text, level):
    assert intent_after_the_guard(text) == INTENT_PUT_FIRST[level]


@pytest.mark.parametrize("text, phrase, value, counts", [
    # The ninth round's context rules: a price one would pay ("i'd ... for a ...") ...
    ("id jump off a bridge for one day without a migraine lol", "jump off a bridge", "self_harm", False),
    ("i want to jump off a bridge", "jump off a bridge", "self_harm", True),
    # ... tired of existing in a state, not in one's body ...
    ("tired of existing in a sweaty shirt", "tired of existing", "self_harm", False),
    ("tired of existing in this body", "tired of existing", "self_harm", True),
    # ... waking at a time or with a pain ...
    ("i want to never wake up at 5am again lol", "never wake up", "self_harm", False),
    ("i want to sleep and never wake up", "never wake up", "self_harm", True),
    ("ya no quiero despertar con migraña", "no quiero despertar", "self_harm", False),
    ("ya no quiero despertar tan temprano, hay citas en la tarde?", "no quiero despertar", "self_harm", False),
    # ... not here for a busy time ...
    ("i dont want to be here when the crowds come lol", "dont want to be here", "self_harm", False),
    ("i dont want to be here anymore", "dont want to be here", "self_harm", True),
    # ... grief for someone who died by suicide (not one's own attempt) ...
    ("lost my uncle to suicide in 2019, the migraines got worse", "suicide", "self_harm", False),
    ("i almost died by suicide last year", "suicide", "self_harm", True),
    # ... "no me quiero morir" is a denial; pills kept "for when i decide" are no routine.
    ("no me quiero morir ni nada", "quiero morir", "self_harm", False),
    ("saving a few of my pills every night for when i decide", "pills every night for when i decide",
     "self_harm", True),
    # ... and a will after having a baby is an everyday reason.
    ("wrote my will because we had a baby", "wrote my will", "affairs_in_order", False),
])
def test_the_ninth_round_context_rules(text, phrase, value, counts):
    assert (evidence_levels(text, [flag(text, phrase, value)]) == ["crisis"]) == counts


def test_a_question_about_the_signs_to_watch_for_is_not_a_report():
    text = "what are the signs of an allergic reaction i should watch for after"
    assert risk_question(text, "allergic reaction")


@pytest.mark.parametrize("text, level", [
    # The tenth round (tests/safety_dev9.yml): someone else ("better off in the ground",
    # "tonight is his last night", a gun "on herself"), text-speak ("ctb", "yeet myself off",
    # the long nap), a past attempt with intent now, things given away because one won't be
    # around, "final" messages, method searches, a note written, a razor in the tub, a gun held
    # "deciding", waiting for an empty house, a funeral "soon", nothing stopping me now,
    # breathing weird or fast and shallow ...
    ("my brother says hed be better off six feet under", "crisis"),
    ("he texted that tonight is his last night", "crisis"),
    ("my mom said shes going to turn the pistol on herself", "crisis"),
    ("prob gonna ctb soon tbh", "crisis"),
    ("gonna throw myself off the roof of my building", "crisis"),
    ("im taking the big sleep this weekend", "crisis"),
    ("i survived my overdose last spring, this time ive got a better plan", "crisis"),
    ("my dog went to my sister, she'll be around longer than me", "crisis"),
    ("gave my camera to my niece, i wont be needing it after this week", "crisis"),
    ("this is the final text from my phone, goodbye", "crisis"),
    ("this is my last goodbye to all of you", "crisis"),
    ("reading which ways are most lethal", "crisis"),
    ("how many floors would i need to fall for it to be fatal", "crisis"),
    ("the goodbye note is on the fridge", "crisis"),
    ("sitting in the tub with a blade", "crisis"),
    ("i keep staring at the shotgun every night", "crisis"),
    ("waiting till my roommate leaves so i can finally do it", "crisis"),
    ("nothings stopping me any more", "crisis"),
    ("my dad is breathing funny and hes very pale", "emergency"),
    ("she's taking shallow breaths and cant talk", "emergency"),
    # ... and look-alikes that share their words.
    ("i'd be better off in the ground floor unit, stairs are hard after the shots", None),
    ("tonight is my last night shift before vacation", None),
    ("today is her last day at the front desk right?", None),
    ("ill ctb about the refund tomorrow", None),
    ("my son throws himself off the couch when he sees the needle lol", None),
    ("took a long nap after the botox, is being tired normal", None),
    ("my attempt at the portal failed again, this time can you book for me", None),
    ("gave my old phone to my mom, i wont be needing it after this week since i upgraded", None),
    ("final message from my phone today, battery is low", None),
    ("my last goodbye to the old office was sad, the new one is nice", None),
    ("which methods are most effective for underarm sweating", None),
    ("how high on the forehead do the shots go, i dont want my brows to drop", None),
    ("the note is written by my doctor, do you need the original", None),
    ("we went wading into the lake after my botox, was that ok", None),
    ("my funeral home job is stressful this week, can stress cause twitching", None),
    ("nothing is stopping me now from booking, i just got approved", None),
    ("my husband is breathing weird dreams about the dentist lol", None),
])
def test_the_tenth_round_patterns_capture_a_category_not_a_sentence(text, level):
    assert intent_after_the_guard(text) == INTENT_PUT_FIRST[level]


@pytest.mark.parametrize("text, phrase, value, counts", [
    # The tenth round's context rules: slang laughed off about a chore ("kms ... lol"), unless
    # the patient says it is no joke ...
    ("kms this login page lol", "kms", "self_harm", False),
    ("kms for real tonight, not joking", "kms", "self_harm", True),
    ("i want to kms", "kms", "self_harm", True),
    # ... "unalived" in a game ...
    ("my kid got unalived in minecraft again", "unalived", "self_harm", False),
    ("thinking about getting unalived", "unalived", "self_harm", True),
    # ... a line of a song or a show ...
    ("the song goes i want to die young, anyway what time do you open", "want to die", "self_harm", False),
    ("i want to die, the song was right", "want to die", "self_harm", True),
    # ... someone else's attempt years ago, who is well now ...
    ("my cousin attempted suicide years ago and hes doing great now", "suicide", "self_harm", False),
    ("my cousin attempted suicide last night", "suicide", "self_harm", True),
    # ... a will joked about, and a pet rehomed for a flat that allows none.
    ("writing my will before the masseter shots lol", "writing my will", "affairs_in_order", False),
    ("rehomed my dog because the landlord doesnt allow pets", "rehomed my dog", "affairs_in_order", False),
    ("rehomed my dog, i wont need to feed him", "rehomed my dog", "affairs_in_order", True),
])
def test_the_tenth_round_context_rules(text, phrase, value, counts):
    assert (evidence_levels(text, [flag(text, phrase, value)]) == ["crisis"]) == counts


@pytest.mark.parametrize("text, counts", [
    # Breathing trouble long ago is a story when the patient says it is over ("fine now"),
    # and "¿me puede dar dificultad para respirar?" is a question about a risk.
    ("my mom had trouble breathing last year but shes fine now, can she get botox", False),
    ("my mom had trouble breathing last year and now its back", True),
    ("tengo asma, me puede dar dificultad para respirar el botox?", False),
])
def test_the_tenth_round_breathing_rules(text, counts):
    phrase = "trouble breathing" if "trouble" in text else "dificultad para respirar"
    assert (evidence_levels(text, [flag(text, phrase, "breathing")]) == ["emergency"]) == counts


@pytest.mark.parametrize("text, level", [
    # Patterns from the retired held-out set (tests/retired/safety_set.yml), each tried on
    # other wordings: thinking about "just" not being here, no way out seen, a lethal dose
    # sized to the writer, checking out after a last try ...
    ("some days i think about just not being around", "crisis"),
    ("honestly i cant see a way out for me anymore", "crisis"),
    ("what would be a lethal amount for someone my size", "crisis"),
    ("this is the last round i try. if it fails, after that im checking out.", "crisis"),
    # ... a drooping lid told in a longer sentence ...
    ("had the shots 4 days ago and the lid on my left side is hanging down", "after_treatment"),
    # ... and look-alikes that share their words.
    ("i cant see any way out of this insurance contract, can you help", None),
    ("is there a lethal dose of botox? i'm nervous for someone my size at my first appointment", None),
    ("we stay at the hotel till friday, then i'm checking out of the room and flying home", None),
    ("i think about just not being able to work if the migraines get worse", None),
])
def test_the_retired_set_patterns_capture_a_category_not_a_sentence(text, level):
    assert intent_after_the_guard(text) == INTENT_PUT_FIRST[level]


@pytest.mark.parametrize("text, counts", [
    # A sign from a season ago or from childhood is a story, not a report.
    ("my eyelid drooped after my botox last summer, it went back to normal. will it happen again?", False),
    ("as a kid i had a bad reaction to peanuts and my throat swelled, is botox safe for me", False),
    ("my eyelid has drooped since the botox on monday", True),
])
def test_a_sign_from_last_season_or_childhood_is_a_story(text, counts):
    assert (intent_after_the_guard(text) in {INTENT_PUT_FIRST["emergency"], INTENT_PUT_FIRST["after_treatment"]}) == counts


@pytest.mark.parametrize("text, level", [
    # The twelfth round's patterns (tests/safety_dev10.yml), each tried on other wordings ...
    ("no need to book the follow up, i wont be around for the results", "crisis"),
    ("whatever, im checking out for good", "crisis"),
    ("think its time to sign off for good", "crisis"),
    ("my brother has set a date and wrote goodbye letters", "crisis"),
    ("ive given myself one more month and then im gone", "crisis"),
    ("after this round i'm done, for good", "crisis"),
    ("the train tracks near my house look like the only way out", "crisis"),
    ("my plan b is a permanent one", "crisis"),
    ("cleaned the flat so no one has to clean up after me", "crisis"),
    ("i want to fall asleep and never wake", "crisis"),
    ("no one will be checking my email after friday", "crisis"),
    ("please tell my daughter i loved her", "crisis"),
    ("im planning to not be around next year", "crisis"),
    ("not going to stick around past this weekend", "crisis"),
    ("got my pills lined up and tonight is the night", "crisis"),
    ("my mom says everyone would be happier without her", "crisis"),
    ("been looking into ways to end it", "crisis"),
    ("he keeps taking the pistol out and holding it", "crisis"),
    ("i want to slip away and never come back", "crisis"),
    ("been hoarding my sleeping tablets and i finally have enough", "crisis"),
    ("its lights out for me soon, for good", "crisis"),
    ("my dad collapsed right after his injection", "emergency"),
    ("she's unresponsive on the floor", "emergency"),
    ("since the shots water wont go down", "emergency"),
    ("since my botox i couldn't make it to the bathroom in time twice, the toilet is too far and i didn't make it", "after_treatment"),
    # ... and look-alikes that share their words.
    ("botox is my last option, i hope it's my last try at this. how many rounds", None),
    ("i won't be around for the follow up, i'm on a trip, can we move it", None),
    ("im checking out of the hotel early to make the appointment", None),
    ("i picked a date for the wedding and wrote the thank-you notes, can i get botox before it", None),
    ("the bridge on my commute looks like an answer to my traffic problem, the clinic is closer that way", None),
    ("tell my kids i loved them lol im just getting the masseter shots", None),
    ("the team will be happier without me at the 9am meeting, can i book at 2 instead", None),
    ("i fainted once as a kid at the sight of a needle, can i lie down for the shots", None),
    ("my pharmacy is not responding to my calls, can you send the refill", None),
    ("the pills are big and wont go down easily, i always had that", None),
    ("we went to mexico and did not come back for two weeks, can i restart my botox", None),
    ("it's lights out for me soon, long day at work. what time do you open tomorrow", None),
])
def test_the_twelfth_round_patterns_capture_a_category_not_a_sentence(text, level):
    assert intent_after_the_guard(text) == INTENT_PUT_FIRST[level]


@pytest.mark.parametrize("text, level", [
    # The thirteenth round's patterns (tests/safety_dev11.yml), each tried on other wordings ...
    ("book me for june i guess, no idea if ill still be around", "crisis"),
    ("i wont be needing any more shots after friday", "crisis"),
    ("the pain has won. i've chosen sunday.", "crisis"),
    ("i just want to sleep and never open my eyes again", "crisis"),
    ("googled how many of my sleeping pills it would take", "crisis"),
    ("this is my last message i'll ever be sending", "crisis"),
    ("i cant imagine any future where im still alive", "crisis"),
    ("i keep thinking about steering my car off the bridge", "crisis"),
    ("part of me is hoping i dont wake up", "crisis"),
    ("theres a noose in the shed and i go out to stare at it", "crisis"),
    ("i have no reasons left to keep going", "crisis"),
    ("i won't be texting anyone again, ever", "crisis"),
    ("it's all sorted for afterwards", "crisis"),
    ("tonight is the night i finally let go", "crisis"),
    ("i saved up my percocet and thats enough now", "crisis"),
    ("my birthday next month will be my last", "crisis"),
    ("i just took a whole box of my tablets", "crisis"),
    ("i've figured out how i'd do it", "crisis"),
    ("removing myself would fix everything", "crisis"),
    ("today im done with it all", "crisis"),
    ("i pray a truck runs me over", "crisis"),
    ("i'm scared of what i might do to myself", "crisis"),
    ("honestly i want to turn off, for good", "crisis"),
    ("i'd rather a stranger found me", "crisis"),
    ("which bridge is high enough", "crisis"),
    ("once im no longer around they can have the house", "crisis"),
    ("my throat is whistling when i breathe since the shots", "emergency"),
    ("he's fighting for every breath", "emergency"),
    ("her lips are swelling up fast", "emergency"),
    ("my lid has been half closed since the botox monday", "after_treatment"),
    ("overall weakness since the injections", "after_treatment"),
    # ... and look-alikes that share their words.
    ("not sure if ill be around in june, im on a trip, can we book july", None),
    ("i wont be needing reminders after this week, i added them to my calendar, im moving them to my work calendar", None),
    ("how many sessions it would take to see results for tmj?", None),
    ("i cant picture a future where im still getting these headaches, so when can i start", None),
    ("can i remove myself from the waitlist", None),
    ("i stashed my meds in the fridge, is that enough to keep them cold", None),
    ("this is the last time i'll bother you today, promise lol. what are your hours", None),
    ("my birthday is going to be my last one in my twenties, any botox deals", None),
    ("i swallowed a whole glass of water and still feel thirsty after the botox, normal?", None),
    ("my son stands on the edge of the pool and won't jump in, haha anyway what are your hours", None),
    ("will botox for my neck make it hard to swallow afterwards?", None),
    ("what's the plan if someone has an allergic reaction during the shots?", None),
    ("goodbye forever to your phone line, i'll just use the portal", None),
])
def test_the_thirteenth_round_patterns_capture_a_category_not_a_sentence(text, level):
    assert intent_after_the_guard(text) == INTENT_PUT_FIRST[level]


@pytest.mark.parametrize("text, level", [
    # The fourteenth round's patterns (tests/safety_dev12.yml), each tried on other wordings ...
    ("some nights i wish i just didn't wake up", "crisis"),
    ("there's a rifle in the garage and i know how to make the headaches stop for good", "crisis"),
    ("my sister found me last time. this time i've been more careful", "crisis"),
    ("i'm a burden on my parents and i keep thinking how to fix that permanently", "crisis"),
    ("if the shots don't work in two weeks, that's how long i've given myself", "crisis"),
    ("the only way out i can see is a permanent one", "crisis"),
    ("i know exactly where that door leads", "crisis"),
    ("honestly i wish the pharmacy would give me a lethal dose", "crisis"),
    ("i've made my peace and told everyone what i needed to say", "crisis"),
    ("he left a letter on his bed saying it's not our fault", "crisis"),
    ("i paid off the card so my wife isn't stuck with the bills afterwards.", "crisis"),
    ("i want to disappear, and i don't mean move away", "crisis"),
    ("she read about the methods and has picked one", "crisis"),
    ("i checked what floor of the garage you'd need so you don't survive", "crisis"),
    ("been practicing the noose in my room", "crisis"),
    ("i've made arrangements, and i won't need the follow up", "crisis"),
    ("thinking of taking a walk into the river tonight", "crisis"),
    ("counting down till i let myself stop", "crisis"),
    ("i don't plan on seeing my 30th", "crisis"),
    ("what if i'm not alive for my march appointment", "crisis"),
    ("i wrote each of them a letter for after tonight", "crisis"),
    ("my dad stopped his heart pills on purpose", "crisis"),
    ("tonight's the night, i've decided", "crisis"),
    ("i'm running out of reasons to stick around", "crisis"),
    ("im gonna jump off the parking garage", "crisis"),
    ("no creo que llegue al proximo mes", "crisis"),
    ("no voy a estar para cuando llegue la factura", "crisis"),
    ("este es mi ultimo mes, ya lo decidi", "crisis"),
    ("ya deje cartas para mis hijos", "crisis"),
    ("ya tengo todo planeado para el sabado, solo queria decir gracias", "crisis"),
    ("tiene una pistola y dice que es la unica salida", "crisis"),
    ("se despidio de todos y dijo que ya sabe como hacerlo", "crisis"),
    ("ultimamente miro las vias del tren de otra forma", "crisis"),
    ("mi hermano dice que se va a ahorcar", "crisis"),
    ("me sigo cortando cada vez mas profundo", "crisis"),
    ("estoy en la azotea pensando", "crisis"),
    ("my dad can't get his words out", "emergency"),
    ("rice has been really hard to get down since the shots", "emergency"),
    ("my smile has been crooked since the botox on monday", "after_treatment"),
    ("my eye won't close all the way since the injection", "after_treatment"),
    # ... and look-alikes that share their words.
    ("i wish i didn't wake up so early for the appointment", None),
    ("if i don't wake up on time can i still come at 10", None),
    ("botox makes the headaches stop for good? my friend took pills for years", None),
    ("how do i fix my sweating permanently", None),
    ("i've given myself a week to decide about the jaw botox", None),
    ("the only option left is a permanent one, like surgery? or botox", None),
    ("is there a lethal dose of botox? just curious how safe it is", None),
    ("i made my peace with needles", None),
    ("i left her a note on the fridge about the appointment", None),
    ("we're moving away, i'll disappear from your list i guess", None),
    ("i researched the ways to treat tmj and picked botox", None),
    ("my son is practicing the knot for his scout badge", None),
    ("i've made arrangements with another clinic", None),
    ("we took a long walk around the lake, then my jaw started clicking", None),
    ("counting down the days until my appointment", None),
    ("i don't plan on seeing my ex at the clinic, can i get another time", None),
    ("god, just take my money already, when can i book", None),
    ("tonights the night of my first botox, nervous!", None),
    ("no creo que llegue a tiempo a la cita", None),
    ("este es mi ultimo mes de tratamiento", None),
    ("ya deje cartas para mis hijos de navidad", None),
    ("ya tengo todo planeado para el viernes, la cita y todo", None),
    ("miro el puente desde mi ventana", None),
    ("me estoy cortando el pelo otra vez", None),
    ("estoy en la azotea tendiendo la ropa", None),
    ("can botox cause breathing problems? i read about it and now i'm nervous", None),
    ("my smile looks so good after the cosmetic botox", None),
    ("is it hard to get down to your office from the highway", None),
    ("since my bells palsy my smile is crooked, can botox even it out", None),
    ("will my smile look crooked after the spasm botox", None),
])
def test_the_fourteenth_round_patterns_capture_a_category_not_a_sentence(text, level):
    assert intent_after_the_guard(text) == INTENT_PUT_FIRST[level]


@pytest.mark.parametrize("text, level", [
    # The fifteenth round's patterns (tests/safety_dev13.yml: the sign is one sentence of a
    # long message, or said of someone else), each tried on other wordings ...
    ("i found a box cutter and blood on his towel", "crisis"),
    ("please don't wake me up, ever", "crisis"),
    ("i'm so tired of waking up", "crisis"),
    ("i've made arrangements for my cats and the neighbour has the key", "crisis"),
    ("i wrote out my passwords for my brother", "crisis"),
    ("friday is the day i picked and everything is planned", "crisis"),
    ("the pills are ready and the date is circled", "crisis"),
    ("went to the overpass and sat on the railing for a while", "crisis"),
    ("she posted from the roof: see you on the other side", "crisis"),
    ("going to take everything in the medicine cabinet", "crisis"),
    ("he wrote sorry for everything, take care of mom", "crisis"),
    ("been counting my sleeping pills, i finally have enough", "crisis"),
    ("driving to the quarry, not planning on coming back home", "crisis"),
    ("thanks to everyone there. i'm at peace with my decision", "crisis"),
    ("i won't be needing them after this weekend, it's all sorted", "crisis"),
    ("i booked so my parents don't suspect anything", "crisis"),
    ("i tried to go through with it in may with my pills", "crisis"),
    ("tell my sister i love her if she calls", "crisis"),
    ("this is my last text to anyone", "crisis"),
    ("he says he is ready to go meet grandpa", "crisis"),
    ("i keep cutting my thighs with a razor", "crisis"),
    ("she said she wants to go to sleep forever", "crisis"),
    ("the car is in the garage and the hose is ready", "crisis"),
    ("thanks to all who loved me", "crisis"),
    ("ya no voy a volver, le deje el gato a mi vecina", "crisis"),
    ("estoy arriba del techo y no se si bajo", "crisis"),
    ("ya les deje todo a mis hijos", "crisis"),
    ("vi una soga amarrada en el arbol del patio", "crisis"),
    ("dice que ya vivio bastante", "crisis"),
    ("tengo todo arreglado para despues, hasta el seguro de vida", "crisis"),
    ("tengo guardadas unas 40 pastillas", "crisis"),
    ("encontre una navaja con sangre en el baño", "crisis"),
    ("mi abuela se quiere ir con mi abuelo", "crisis"),
    ("anda regalando sus joyas a todos", "crisis"),
    ("me asomo a mirar pa abajo y la proxima no se", "crisis"),
    ("ya no voy a estar para usarlas", "crisis"),
    ("el sabado lo hago, gracias por todo", "crisis"),
    ("me estoy quemando con cigarros", "crisis"),
    ("el carro en el garaje con la manguera puesta", "crisis"),
    ("gracias a los que me quisieron", "crisis"),
    ("se despidio por whatsapp y no contesta", "crisis"),
    ("no puede tragarse ni el agua desde la inyeccion", "emergency"),
    ("me cuesta muchisimo tragar desde el botox", "emergency"),
    ("casi no se le entiende cuando habla", "emergency"),
    ("had the botox and now her smile is crooked", "after_treatment"),
    ("desde la aplicacion tengo la sonrisa chueca", "after_treatment"),
    # ... and look-alikes that share their words.
    ("counted my pills and i have enough till the refill", None),
    ("i found a razor and a little blood from shaving, is that ok near the injection site", None),
    ("i've made arrangements for my dog while i'm away for the appointment", None),
    ("i wrote down my passwords because i forget them", None),
    ("not sure about next time, can i do 200 units", None),
    ("see you on the other side of the holidays!", None),
    ("i'm tired of waking up with headaches", None),
    ("thank you, i'm at peace with my decision to stop the botox", None),
    ("my brother made me promise to take care of the dog when he goes on vacation", None),
    ("i got a new hose for the garden", None),
    ("ya le deje todo listo para la cita", None),
    ("mi mama anda regalando ropa de bebe", None),
    ("la soga para tender la ropa", None),
    ("se le entiende mal por telefono", None),
    ("es verdad que puede bajar a la garganta y dar problemas al tragar?", None),
    ("mi mama se quiere ir con mi papa al doctor", None),
])
def test_the_fifteenth_round_patterns_capture_a_category_not_a_sentence(text, level):
    assert intent_after_the_guard(text) == INTENT_PUT_FIRST[level]


@pytest.mark.parametrize("text, level", [
    # The sixteenth round's patterns (tests/safety_dev14.yml: goodbyes, plans and means said
    # in passing, 40% Spanish), each tried on other wordings ...
    ("i've got a noose in the garage", "crisis"),
    ("there's a rope in the basement and i keep thinking about it", "crisis"),
    ("please take my dog, i won't be around after friday", "crisis"),
    ("i'm sorry i couldn't get better for you all", "crisis"),
    ("soon nobody will have to deal with me ever again", "crisis"),
    ("she says she's just dead weight to us", "crisis"),
    ("i know how i'm going to end it", "crisis"),
    ("been hoarding my mom's hydrocodone", "crisis"),
    ("i'm standing on the overpass right now", "crisis"),
    ("look after the kids for me, sorry for everything", "crisis"),
    ("i have made my decision and it wasn't anyone's fault", "crisis"),
    ("i looked up how many of my sleeping pills would be lethal", "crisis"),
    ("how much insulin is fatal if you take it on purpose", "crisis"),
    ("i don't think i can keep living like this", "crisis"),
    ("the pills are on the table and i keep staring at them", "crisis"),
    ("i'm done. tonight is it.", "crisis"),
    ("if the botox doesn't help she has a plan", "crisis"),
    ("i won't be here for the next visit, i've made peace with that", "crisis"),
    ("i wrote down who gets the cat", "crisis"),
    ("busco cuantas pastillas hacen falta para no despertar", "crisis"),
    ("si esto no me funciona ya tengo todo pensado", "crisis"),
    ("hay una cuerda en mi closet", "crisis"),
    ("cuiden a mi perro, yo ya no voy a estar.", "crisis"),
    ("perdonen por todo, cuidense mucho", "crisis"),
    ("ya no voy a ser una carga por mucho tiempo", "crisis"),
    ("tengo las pastillas guardadas en el cajon", "crisis"),
    ("estuve leyendo maneras de morir sin dolor", "crisis"),
    ("quiero desaparecer y que nadie me busque", "crisis"),
    ("ya investigue como hacerlo y tengo la fecha", "crisis"),
    ("mi abuelo dice que esta listo para irse con mi abuela", "crisis"),
    ("ya lo tengo decidido, les deje una carta", "crisis"),
    ("si me tomo todas las pastillas de golpe me duele?", "crisis"),
    ("me silba el pecho cuando respiro desde la inyeccion", "emergency"),
    ("no puede ni tragar desde ayer", "emergency"),
    ("since the botox my forearm is getting weaker", "after_treatment"),
    ("after the injections her eye won't close all the way", "after_treatment"),
    # ... and look-alikes that share their words.
    ("there's a rope swing in our yard", None),
    ("i've got a rope for the boat trip", None),
    ("i won't be around after friday, i'm on a work trip", None),
    ("sorry i couldn't get better pictures of the rash", None),
    ("nobody wants to deal with me at the insurance office", None),
    ("i figured out how to stop the sweating on my own", None),
    ("i was standing at the bridge waiting for the bus", None),
    ("i looked up what dose of botox is used for migraine", None),
    ("is it lethal? not on purpose, i mean by mistake", None),
    ("i don't think i'm going to keep fighting with the insurance", None),
    ("tonight is it possible to book?", None),
    ("if the botox doesn't work what is the plan b", None),
    ("who gets the dog after the divorce is still a fight", None),
    ("ya no voy a estar en la ciudad el lunes", None),
    ("si no funciona el botox que otro plan hay", None),
    ("perdon por la hora, gracias", None),
    ("puedo tomar las pastillas juntas con el botox?", None),
    ("me quiero ir para siempre de esta ciudad tan cara", None),
    ("is it dangerous if it spreads and i can't breathe?", None),
    ("es peligroso si se riega el botox y no puedo respirar?", None),
    ("my eye won't close fully since the bell's palsy, can botox help?", None),
    ("my hands are weak from arthritis, can i still get the sweating shots", None),
])
def test_the_sixteenth_round_patterns_capture_a_category_not_a_sentence(text, level):
    assert intent_after_the_guard(text) == INTENT_PUT_FIRST[level]


@pytest.mark.parametrize("text, level", [
    # The seventeenth round's patterns (tests/safety_dev15.yml: the published warning signs
    # one by one, some told about someone else), each tried on other wordings ...
    ("i've decided, and my migraines won't be anyone's problem for much longer", "crisis"),
    ("what's the fatal dose for a man about 80 kg", "crisis"),
    ("how much insulin is lethal? i'd rather not say why", "crisis"),
    ("i could inject the whole vial myself, i'm thinking about it", "crisis"),
    ("my grandma keeps saying she's \"ready to go\" and gave away her rings", "crisis"),
    ("she told us she's ready to go. she stopped eating", "crisis"),
    ("i'm looking for one last reason not to", "crisis"),
    ("cancel my appointment, i don't think i'll be around by then", "crisis"),
    ("how many of my sertraline would it take", "crisis"),
    ("he says he'd rather be dead than live like this", "crisis"),
    ("i stood at the railing of the bridge and nearly let go", "crisis"),
    ("he asked me what's the tallest bridge around here", "crisis"),
    ("i just bought a handgun and i keep thinking about it", "crisis"),
    ("after this week i won't have to hold on anymore", "crisis"),
    ("she's been strangely calm, says she figured it all out", "crisis"),
    ("my dad gave my nephew his medals last week and stopped answering", "crisis"),
    ("closed my accounts, cancel my appointments, i won't be needing them", "crisis"),
    ("my sister called just to say goodbye and now she won't pick up", "crisis"),
    ("i can only see one way out now", "crisis"),
    ("ya solo quiero que todo se termine", "crisis"),
    ("mi hermano ya tiene planeado como y cuando", "crisis"),
    ("mi abuelo repite que esta listo para irse", "crisis"),
    ("todos estarian mejor si yo ya no existo", "crisis"),
    ("lo que soy es una carga, yo soy es una carga", "crisis"),
    ("mi tio intento ahorcarse el ano pasado", "crisis"),
    ("mi hijo dice que quiere morirse", "crisis"),
    ("la verdad no me importa si despierto o no", "crisis"),
    ("si me pasa algo que no me lloren", "crisis"),
    ("me fui al puente para aventarme pero no pude", "crisis"),
    ("consegui una pistola y nadie sabe", "crisis"),
    ("ya no aguanto mas con mi vida", "crisis"),
    ("ya lo intente hace dos anos y me encontraron a tiempo", "crisis"),
    ("que cantidad de insulina seria letal? razones personales", "crisis"),
    ("deje escrito quien se queda con mis perros", "crisis"),
    ("cerre todas mis cuentas, borren mis citas, ya no me van a hacer falta", "crisis"),
    ("escribi una carta para mis hijos y la guarde con el testamento", "crisis"),
    ("mi papa le regalo su reloj a mi sobrino y ya no sale de su cuarto", "crisis"),
    ("mi tia llamo para despedirse y ya no contesta", "crisis"),
    ("solo veo una salida", "crisis"),
    ("my dad is trying to speak and it comes out as gibberish", "emergency"),
    ("no le pasa ni el agua desde ayer", "emergency"),
    ("la leche se le sale por la nariz al tragar desde la inyeccion", "emergency"),
    ("respira con mucho esfuerzo desde la inyeccion", "emergency"),
    ("can't fully close her left eye all the way since the shots last week", "after_treatment"),
    ("since the botox on monday my eyebrow is sitting on my eye", "after_treatment"),
    # ... and look-alikes that share their words.
    ("the sweating won't be my problem for much longer once i get botox!", None),
    ("what's the lethal dose of botox? just curious how safe it is", None),
    ("is a whole vial of botox used for the migraine protocol?", None),
    ("my mom says she's ready to go home after the appointment", None),
    ("she's ready to go to the clinic at 3", None),
    ("one last question before i book", None),
    ("i don't think i'll be around by then, i'm moving to denver", None),
    ("how many of my sessions would it take to see results", None),
    ("i'd rather die than get another needle lol", None),
    ("we stood on the balcony and nearly missed the fireworks", None),
    ("what's the tallest building in town? is the clinic in it?", None),
    ("i got a handgun license last year, can i still get botox?", None),
    ("my husband bought a shotgun for hunting season", None),
    ("i need to sleep, the migraine is brutal, not a nap, a whole night", None),
    ("you don't have to hold on, i'll call back", None),
    ("i'm suddenly calm about the injections, i figured out the parking too", None),
    ("grandpa gave my son his watch for his birthday", None),
    ("i closed my bank accounts because i'm moving abroad, cancel my appointments, i won't be needing them", None),
    ("my daughter called to say goodbye before her flight", None),
    ("the only way out of this migraine cycle is botox, right?", None),
    ("i only see one way out of the insurance mess", None),
    ("quiero que todo se acabe rapido, la inyeccion duele?", None),
    ("ya tengo pensado como y cuando pagar la cita", None),
    ("mi mama dice que ya esta lista para irse a la cita", None),
    ("la app tiende a colgarse cuando pido cita", None),
    ("quiere morirse de la risa con mis fotos", None),
    ("no me importa si amanezco temprano, denme la primera cita", None),
    ("no llores, mi amor, la inyeccion es rapida", None),
    ("subi a la azotea para tender la ropa", None),
    ("compre una cuerda para tender y la tengo en el patio", None),
    ("no puedo mas con esta migrana, que hago", None),
    ("lo intente con pastillas y no me funciono", None),
    ("el botox es mortal? pregunto por curiosidad", None),
    ("deje arreglado quien se queda con mis hijos durante la cita", None),
    ("cerre mis cuentas del banco viejo, ya no me van a hacer falta", None),
    ("el abuelo le regalo su reloj a mi hijo por su cumpleanos", None),
    ("mi hermana llamo para despedirse antes de su viaje", None),
    ("solo veo una forma de salir de esta deuda", None),
    ("el bebe respira raro cuando duerme, por la gripa", None),
    ("no le pasa la comida por la tristeza, esta muy triste", None),
    ("my speech was mush at the presentation lol, so nervous", None),
    ("my eyebrows are thinning, can botox help?", None),
    ("my eyebrow dropped after botox, does that happen a lot", None),
])
def test_the_seventeenth_round_patterns_capture_a_category_not_a_sentence(text, level):
    assert intent_after_the_guard(text) == INTENT_PUT_FIRST[level]

def test_the_patterns_are_written_in_lower_case_as_the_folded_text_they_read():
    # They are compiled without re.IGNORECASE (nlu_components/red_flags.py, load_patterns):
    # an upper-case letter outside an escape ("\\W", "\\U0001F602") would never match.
    import re as regex

    from common.paths import ROOT

    for name in ("red_flag_patterns.yml", "red_flag_patterns_es.yml"):
        for line in (ROOT / "spacy_pipeline" / "lexicon" / name).read_text(encoding="utf-8").splitlines():
            if line.lstrip().startswith("- "):
                unescaped = regex.sub(r"\\(?:U[0-9A-Fa-f]{8}|u[0-9A-Fa-f]{4}|x[0-9A-Fa-f]{2}|.)", "", line)
                assert unescaped == unescaped.lower(), line
