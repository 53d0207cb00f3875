"""The default watch list on paraphrases: each concept must be found however it is worded, and
look-alikes (money withdrawals, troops that remain, missile defence budgets, arms of government,
water transfers...) must not fire it. Stories go through normalize and geotagging first, as in the pipeline."""

from __future__ import annotations

import pytest

POSITIVE = {
    "icbm": [
        "Pyongyang tested an intercontinental ballistic missile on Thursday.",
        "The ICBM flew for 86 minutes before splashing down.",
        "Russia deployed the Sarmat at a base in Siberia.",
        "North Korea launched a Hwasong-19, its newest solid-fuel missile.",
        "Two intercontinental ballistic missiles were paraded through the capital.",
        "The US Air Force test-launched an unarmed Minuteman III from Vandenberg.",
        "China's DF-41 can carry several nuclear warheads.",
        "Analysts said the intercontinental-range missile could reach the US mainland.",
        "The launch of ICBMs was condemned by the Security Council.",
        "Moscow test-fired an RS-24 Yars from Plesetsk.",
        "The Hwasong-18 uses solid fuel, experts said.",
        "Russia said its new intercontinental missile would enter service next year.",
        "The Sentinel ICBM programme is billions over budget.",
        "Dongfeng-41 missiles were shown at the parade in Beijing.",
        "A Topol-M was launched from Kapustin Yar on Tuesday.",
        "Seoul said the North fired what appeared to be an intercontinental ballistic missile.",
        "Kim Jong Un oversaw the launch of a Hwasong-17.",
        "The RS-28, which NATO calls Satan II, completed its trials.",
        "North Korea fired a long-range ballistic missile into the sea east of the peninsula.",
        "Japan says the ICBM landed inside its exclusive economic zone.",
    ],
    "troop-withdrawal": [
        "They will withdraw their troops by March.",
        "Washington will pull out 2,000 soldiers from Syria.",
        "The withdrawal of Russian forces from Kherson was confirmed.",
        "France withdrew its troops from Mali.",
        "The Pentagon announced a drawdown of troops in Iraq.",
        "Moscow began pulling back its forces from the border.",
        "Israel completed the pullout of its army from Gaza.",
        "The peacekeepers were evacuated from the buffer zone.",
        "Troops began to withdraw on Sunday.",
        "Biden ordered the withdrawal of all American troops.",
        "Armenian forces have withdrawn from the villages.",
        "The UN mission is withdrawing its peacekeepers.",
        "Thousands of soldiers were brought home from Germany.",
        "Kyiv said Russian troops retreated from the west bank of the river.",
        "The government plans to draw down the number of military personnel in the region.",
        "Mercenaries of the Wagner group pulled out of Bakhmut.",
        "North Korean soldiers are being withdrawn from Kursk, officials said.",
        "The brigade will redeploy to its home base after the pullback.",
        "Officials confirmed a phased withdrawal of the marines.",
        "The battalion withdraws from the front line next week.",
    ],
    "arms-transfer": [
        "Iran has been shipping drones to Russia.",
        "The sale of weapons to Taiwan was approved.",
        "Pyongyang supplied artillery shells to Moscow.",
        "Germany will send Leopard tanks to Ukraine.",
        "Washington approved a $1 billion arms sale to Egypt.",
        "The smuggling of weapons across the border has increased.",
        "Russia delivered S-400 air defence systems to Turkey.",
        "Arms exports from France rose 40% in five years.",
        "The UK will provide Storm Shadow missiles to Kyiv.",
        "Officials accused Belarus of transferring ammunition to Russian units.",
        "North Korea's supply of weaponry to Moscow was condemned.",
        "China denied selling drones to either side.",
        "Trafficked rifles were seized at the port of Durban.",
        "Deliveries of howitzers will begin next month.",
        "Seoul is considering sending weapons directly to Ukraine.",
        "The arms deal includes fighter jets and munitions.",
        "Israel received a shipment of 2,000-pound bombs.",
        "The US will transfer F-16 fighter jets to Ukraine.",
        "Iran exported ballistic missiles to Russia, sources said.",
        "Bulgaria secretly sold ammunition to Ukraine through intermediaries.",
    ],
}

NEGATIVE = {
    "icbm": [
        "Congress approved a larger missile defence budget for next year.",
        "The InterContinental hotel in Seoul hosted the defence ministers.",
        "Airlines added more intercontinental flights this summer.",
        "China paraded DF-21 anti-ship missiles.",
        "The Minutemen militia marched in the parade.",
        "The Orlando Sentinel endorsed the governor.",
        "UN peacekeepers patrolled the border.",
        "The file was saved as icbm.dat by the lab software.",
        "Ballistic tests of body armour were completed.",
        "Missile defence interceptors were tested over the Pacific.",
        "The cruise missile flew 1,500 km before hitting its target.",
        "Sarmatian tombs were excavated in southern Ukraine.",
        "The satellite launch vehicle reached orbit.",
        "Hypersonic glide vehicles worry defence planners.",
        "Intercontinental Exchange reported record trading volumes.",
        "The long-range drone struck a refinery.",
        "A ballistic missile submarine docked in Busan.",
        "Officials discussed planting Topol poplar trees.",
        "Iran unveiled a long-range ballistic missile at a parade in Tehran.",
        "Air defence units shot down a Kh-101 cruise missile.",
    ],
    "troop-withdrawal": [
        "Customers may withdraw money from ATMs.",
        "The troops remain in the region.",
        "Investors withdrew $2 billion from bond funds last week.",
        "The army withdrew its objection to the new budget.",
        "The candidate withdrew from the race after the scandal.",
        "Soldiers on leave visited their families.",
        "The company pulled out of the merger talks.",
        "The bank announced a drawdown of its credit line.",
        "Troops were deployed to the border on Monday.",
        "The brigade held a parade in the capital.",
        "Russia withdrew from the grain deal.",
        "The soldier was awarded a medal for bravery.",
        "He pulled back the curtain to reveal the prize.",
        "The federation withdrew the medal from the soldier after the doping test.",
        "The government withdrew the bill after protests from an army of volunteers.",
        "Peacekeepers will stay until 2026, the UN said.",
        "Applicants may withdraw their applications online.",
        "The central bank's withdrawal of stimulus rattled markets.",
        "Water was withdrawn from the reservoir for irrigation.",
        "US troops will remain in Iraq, officials said on Friday.",
    ],
    "arms-transfer": [
        "The water transfer scheme was approved.",
        "The three arms of government must cooperate.",
        "Think tanks sent reports to the ministry.",
        "The missile defence budget grew by 5%.",
        "The club completed the transfer of its star striker.",
        "She held the baby in her arms as the ship departed.",
        "The bank will transfer funds to the supplier.",
        "Drone footage showed the flooded valley.",
        "Farmers sell tomatoes at the market.",
        "Ammunition depots were inspected by the army.",
        "The company will ship fuel tanks to the refinery.",
        "Electricity exports rose sharply in March.",
        "Police seized rifles during a raid.",
        "The government will supply water to the drought-hit region.",
        "He broke both arms in the crash and was sent to hospital.",
        "Shipments of grain resumed from Odesa.",
        "Tank farms store crude oil near the port.",
        "Refugees were welcomed with open arms and given shelter.",
        "The arms race between chipmakers intensified as they sell more chips.",
        "The missile launch was condemned by Seoul.",
    ],
}


def _cases(table: dict[str, list[str]]) -> list:
    return [pytest.param(rule, text, id=f"{rule}-{i}") for rule, texts in table.items() for i, text in enumerate(texts)]


def test_each_concept_has_twenty_of_each():
    for rule in ("icbm", "troop-withdrawal", "arms-transfer"):
        assert len(POSITIVE[rule]) >= 20 and len(NEGATIVE[rule]) >= 20
        assert not set(POSITIVE[rule]) & set(NEGATIVE[rule])


@pytest.mark.parametrize("rule, text", _cases(POSITIVE))
def test_concept_found_in_paraphrase(default_matcher, enrich, rule, text):
    matches = {m.rule: m for m in default_matcher.match(enrich(text))}
    assert rule in matches, f"{rule} missed: {text}"
    assert matches[rule].spans, "a match must show its evidence"


@pytest.mark.parametrize("rule, text", _cases(NEGATIVE))
def test_lookalike_does_not_fire(default_matcher, enrich, rule, text):
    fired = {m.rule: m for m in default_matcher.match(enrich(text))}
    assert rule not in fired, f"{rule} fired on {text!r} because of {fired[rule].spans} ({fired[rule].clause})"


def test_headline_alone_is_enough(default_matcher, enrich):
    story = enrich("Details to follow.", title="North Korea fires ICBM into the sea")
    match = next(m for m in default_matcher.match(story) if m.rule == "icbm")
    assert [(s.field, s.text) for s in match.spans] == [("title", "ICBM")]
