"""The tagging engine: text in, ACLED-coded ``Event`` records out.

Per article: split sentences; find trigger words (one compiled alternation over every rule),
actors and places (Aho-Corasick, built once); per sentence pick the sub-event type by rule
outcome and precedence; assign actor roles (active/passive voice, nominal "X's attack on Y");
resolve place (sentence, then dateline and the article's dominant region), date (against the
publication date), counts and context flags (hypothetical, negated, hedged, historical); merge
repeated mentions of one incident; score confidence. ``Tagger.load()`` reads the rule packs
once; ``tag`` is a pure function of its arguments.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from core.records import Event
from core.settings import Settings, load_settings
from taggers.actors import ActorDictionary, ActorMention, load_actors
from taggers.dates import DateMention, find_dates
from taggers.gazetteer import Gazetteer, Place, PlaceMention, gazetteer_files, load_gazetteer
from taggers.quantities import Count, find_count, no_casualties_reported
from taggers.rules import (
    ContextRules,
    TriggerRule,
    compile_triggers,
    load_context,
    load_triggers,
)
from taggers.taxonomy import Taxonomy, load_taxonomy
from taggers.text import Sentence, fold, split_sentences

TAGGER_VERSION = "ne-rules-0.1"
_UNIDENTIFIED = "Unidentified armed group"
_PASSIVE_BY = re.compile(r"\b(?:was|were|been|being|is|are)\s+(?:\w+\s+){0,2}?\w+(?:ed|en)\s+by\b", re.I)
_PASSIVE_NO_AGENT = re.compile(r"\b(?:was|were|been|being|are|is)\s+(?:\w+\s+)?$", re.I)
_BY = re.compile(r"\bby\b", re.I)
_PLURAL_NOUN_TRIGGER = re.compile(r"^[a-z -]+s$", re.I)
_VIOLENT_TYPES = {"Battles", "Explosions/Remote violence", "Violence against civilians", "Riots", "Protests"}
_STATE_DEFAULT_TYPES = {"armed_clash", "government_regains_territory", "arrests", "disrupted_weapons_use"}
_DATELINE = re.compile(r"^[ \t]*([A-Z][A-Za-z'’ .-]{2,40}?)(?:,\s*[A-Z][A-Za-z .]+)?\s*(?:\([^)]*\))?\s*[-–—:]\s", re.M)


@dataclass(frozen=True)
class _Found:
    event: Event
    weak: bool  # no date, count or place of its own: likely a follow-up mention
    separate: bool  # the sentence says it is another incident ("in a separate attack")
    outcome_only: bool = False  # only a result word fired ("No one was killed."): joins the latest incident
    own_place: Place | None = None  # the place its own sentence names, for the sentences after it


# "the attack", "Saturday's bombing": a reference to an incident already told
_ANAPHOR = re.compile(r"(?:\b(?:the|this|that|these|those)|'s|’s)\s+(?:\w+\s+)?$", re.I)
# ACLED codes "near X" to X (precision 2) when it is close; farther away X is the wrong place
FAR_FROM_LANDMARK_KM = 50
_SOURCE_AFTER = re.compile(r"\s+(?:radio|television|tv|newspaper|daily|news agency|state media)\b", re.I)
# what a capital does as a government: speaks, decides; "Mosul was retaken" is still a place
_GOVERNMENT_AFTER = re.compile(
    r"(?:'s|’s)\s+(?:move|decision|government|position|stance|policy|response|demand|demands|offer|proposal|"
    r"approach|refusal|rejection|claims?|accusations?|support|backing|allies|envoy|ambassador)\b"
    r"|\s+(?:(?:has|have|had|is|was|were|will|would)\s+)?(?:(?:again|also|now|then|later|\w+ly)\s+)?"
    r"(?:said|says|say|saying|rejected|rejects|rejecting|accused|accuses|accusing|denied|denies|denying|"
    r"warned|warns|warning|demanded|demands|demanding|wants|insisted|insists|insisting|announced|agreed|"
    r"refused|refusing|responded|condemned|condemning|blamed|blaming|urged|urging|recalled|expelled|imposed|"
    r"vowed|vows|threatened|threatens|threatening)\b")


def _names_a_source_or_government(mention: PlaceMention, text: str) -> bool:
    """A place name that stands for a broadcaster or a government, not where things happened:
    "Belgrade radio said", "Beirut rejected", "Washington's move", "an admission by Moscow"."""
    after = text[mention.end:mention.end + 40]
    if _SOURCE_AFTER.match(after):
        return True
    if ((mention.locative and mention.preposition != "and") or mention.strong
            or not any(c.kind in {"city", "town"} for c in mention.candidates)):
        return False  # "in eastern Mosul", "on Aleppo": the place ("Israel and Beirut rejected": not)
    return mention.preposition in {"by", "under"} or _GOVERNMENT_AFTER.match(after) is not None


# where something was said, not where it happened: "speaking in Baghdad, ...", "a report
# released Tuesday in the Rwandan capital alleged ...", "told reporters in Kabul"
_SPOKEN_AT = re.compile(
    r"\b(?:said|says|speaking|spoke|told (?:reporters|journalists|a news conference|a press conference|a briefing)|"
    r"(?:report|statement|study|findings)\s+(?:was\s+|were\s+)?(?:released|published|issued|presented))"
    r"(?:\s+\w+){0,2}\s+(?:in|at)\s+$", re.I)

# the national capital, unnamed: "in the capital", "in the country's capital" (not "the
# provincial capital", not "the capital, Bamako": the name is then the place)
_IN_THE_CAPITAL = re.compile(
    r"\b(?:in|at|inside|across) the (?:(?:country|nation)['’]s )?capital\b"
    r"(?!,? (?!(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|On|After|As)\b)[A-Z])")

# an event spread over a country: no one region, whatever the dateline or the last place says
_NATIONWIDE = re.compile(
    r"\b(?:nation-?wide|(?:across|throughout|all over|around) the (?:country|nation)"
    r"|across (?:the )?[A-Z][\w-]+(?: [A-Z][\w-]+)*"
    r"|(?:a number of|several|many|dozens of|multiple|various) (?:cities|towns|provinces|regions|states))\b")

# "pushed into Eastern areas of Arsal", "in the Northern province of Aleppo": a direction word
# that GeoNames has as some country's region does not outrank the town
_GENERIC_LEAD = re.compile(
    r"(?:North|South|East|West|Northern|Southern|Eastern|Western|Central|Centre|Center|Upper|Lower|Far|"
    r"Coast|Coastal|Capital)\b", re.IGNORECASE)
# a clause about an earlier event, after the trigger: its places are not this event's
_EARLIER_EVENT = re.compile(
    r"\b(?:(?:\d+|a|an|one|two|three|four|five|six|several|few|just|only)\s+)?"
    r"(?:days|weeks|months|years|hours|day|week|month|year)\s+(?:after|since)\b")
# "one of several rallies ... amid nationwide protests": the backdrop, not the event's extent
_BACKDROP_BEFORE = re.compile(r"\b(?:(?:amid|amidst|during|after|following|despite)(?: [a-z-]+){0,2}|as) $")

_SEPARATE = re.compile(r"\b(?:separate(?:ly)?|another|elsewhere|meanwhile|in a second|a second)\b", re.I)


@dataclass
class _Candidate:
    rule: TriggerRule
    start: int  # offsets in the article text
    end: int
    sub_event_type: str


class Tagger:
    """Rule packs compiled once; ``tag`` is safe to call for thousands of documents."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        triggers: list[TriggerRule],
        context: ContextRules,
        actors: ActorDictionary,
        gazetteer: Gazetteer,
        historical_days: int = 30,
        version: str = TAGGER_VERSION,
        digest: str = "",
    ) -> None:
        self.taxonomy = taxonomy
        self.triggers = triggers
        self._compiled = compile_triggers(triggers)
        self.context = context
        self.actors = actors
        self.gazetteer = gazetteer
        self.historical_days = historical_days
        self.version = version
        self.digest = digest  # full rules_digest of what this tagger was loaded from ("" if built by hand)

    @classmethod
    def load(cls, settings: Settings | None = None, rules_dir: Path | None = None) -> Tagger:
        settings = settings or load_settings()
        rules_dir = rules_dir or settings.rules_dir
        taxonomy = load_taxonomy(rules_dir / "taxonomy.toml")
        extra = [Path(p) for p in settings.gazetteer_extra.split(os.pathsep) if p]
        digest = rules_digest(rules_dir, gazetteer_files(extra=extra))
        return cls(
            taxonomy=taxonomy,
            triggers=load_triggers(rules_dir / "triggers.toml", set(taxonomy.sub_events)),
            context=load_context(rules_dir / "context.toml"),
            actors=load_actors(rules_dir),
            gazetteer=load_gazetteer(extra=extra),
            historical_days=settings.historical_days,
            version=f"{TAGGER_VERSION}+{digest[:10]}",
            digest=digest,
        )

    # ------------------------------------------------------------------ public API
    def tag(
        self,
        text: str,
        published: date | None = None,
        title: str | None = None,
        doc_id: str | None = None,
        country_hint: str | None = None,
        min_confidence: float = 0.5,
        snippet: bool = False,
    ) -> list[Event]:
        """Events of one document. ``snippet=True`` is for short texts already known to
        report an event (CASE, PLOVER sentences): the gates that keep background, generic and
        hypothetical sentences of whole articles out are off, and every event is kept."""
        if not text or not text.strip():
            return []
        folded = fold(text)
        sentences = split_sentences(text)
        places = self.gazetteer.find(text, folded, countries=[country_hint] if country_hint else ())
        actors = self.actors.find(text, folded)
        article = _ArticleContext.build(self, text, title, sentences, places, actors, country_hint)
        events: list[Event] = []
        for sentence in sentences:
            if not snippet and _is_heading(sentence, text, title) and len(sentences) > 2:
                continue  # headlines and sub-headings repeat the body; they are context only
            if events and self._apply_claim(sentence, actors, events):
                continue
            found = self._tag_sentence(sentence, text, folded, published, places, actors, article, doc_id, snippet)
            if found is not None and (snippet or found.event.confidence >= min_confidence):
                events.append(found)
                if found.own_place is not None:
                    article.event_place = found.own_place  # only events we keep place the next sentences
        return [f.event for f in events] if snippet else _merge_mentions(events)

    def _apply_claim(self, sentence: Sentence, actors: list[ActorMention], events: list[_Found]) -> bool:
        """'X claimed responsibility for the attack': X becomes the perpetrator of the
        latest event when that event has none (or only an unidentified one)."""
        claim = self.context.claims.search(sentence.text)
        if claim is None:
            return False
        claimants = [
            a for a in actors if sentence.start <= a.start < sentence.start + claim.start() and not a.actor.is_generic
        ]
        if not claimants:
            return False
        last = events[-1]
        if last.event.actor1 in (None, _UNIDENTIFIED):
            actor = claimants[-1].actor
            events[-1] = replace(
                last,
                event=replace(
                    last.event, actor1=actor.name, actor1_type=actor.actor_type, actor1_country=actor.country
                ),
            )
        return True

    # ------------------------------------------------------------------ per sentence
    def _candidates(self, sentence: Sentence, context_text: str, folded: str) -> list[_Candidate]:
        """Trigger matches of a sentence; switches read ``context_text`` (the sentence, or the
        whole snippet in snippet mode, where every sentence describes the same event)."""
        found: list[_Candidate] = []
        for index in sorted(self._compiled.rules_to_run(folded[sentence.start : sentence.end])):
            rule = self.triggers[index]
            match = self._compiled.regexes[index].search(sentence.text)
            if match is None:
                continue
            if rule.veto is not None and rule.veto.search(sentence.text):
                continue
            if rule.requires is not None and not rule.requires.search(sentence.text):
                continue
            sub_event = rule.sub_event_type
            for pattern, switched in rule.switches:
                if pattern.search(context_text):
                    sub_event = switched
                    break
            found.append(_Candidate(rule, sentence.start + match.start(), sentence.start + match.end(), sub_event))
        return found

    def _tag_sentence(
        self,
        sentence: Sentence,
        text: str,
        folded: str,
        published: date | None,
        places: list[PlaceMention],
        actors: list[ActorMention],
        article: _ArticleContext,
        doc_id: str | None,
        snippet: bool = False,
    ) -> _Found | None:
        candidates = self._candidates(sentence, text if snippet else sentence.text, folded)
        if not candidates:
            return None
        s_text = sentence.text
        ctx = self.context
        if ctx.not_political.search(s_text) or (not snippet and ctx.hypothetical.search(s_text)):
            return None
        # roles come from the first trigger of the sentence, usually the main verb ("killed four
        # militants in a clash"): a later noun trigger sits in a phrase, not in the clause
        first = min(candidates, key=lambda c: c.start)
        methods = [c for c in candidates if not c.rule.outcome]
        violent_methods = [
            c for c in methods if self.taxonomy.sub_events[c.sub_event_type].event_type in _VIOLENT_TYPES
        ]
        if violent_methods:
            candidates = methods
        s_places = [
            p
            for p in places
            if sentence.start <= p.start < sentence.end and not article.dateline_start <= p.start < article.dateline_end
        ]
        s_actors = self._sentence_actors(sentence, actors)
        s_places = [
            p for p in s_places if not any(a.start <= p.start < a.end for a in s_actors if not a.actor.is_generic)
        ]
        # "Omdurman radio said", "Beirut rejected", "Washington's move": a source or a government
        s_places = [p for p in s_places if not _names_a_source_or_government(p, text)]
        # "..., days after the group's attack at a Dhaka cafe": the place of an earlier event
        earlier = _EARLIER_EVENT.search(s_text, max(0, first.end - sentence.start))
        earlier_places = [p for p in s_places if earlier and p.start >= sentence.start + earlier.start()]
        s_places = [p for p in s_places if p not in earlier_places]
        place, near = self._resolve_place(s_places, article, sentence)
        if place is not None and not s_places and place.admin1 in {
                c.admin1 for p in earlier_places for c in p.candidates if c.admin1}:
            # nor is the region the article takes from it
            place = self.gazetteer.country_place(place.country)
        country = place.country if place else article.country
        dates = find_dates(s_text, published)

        best: tuple[int, _Candidate, str | None, str | None, ActorMention | None, ActorMention | None] | None = None
        for cand in candidates:
            a1, a2 = self._roles(sentence, first if cand.rule.outcome or first.rule.outcome else cand, s_actors)
            sub_event = self._switch_by_actors(cand, a1, a2)
            rank = self.taxonomy.sub_events[sub_event].precedence
            if best is None or rank > best[0]:
                best = (rank, cand, sub_event, None, a1, a2)
        assert best is not None
        _, cand, sub_event, _, a1, a2 = best
        sub = self.taxonomy.sub_events[sub_event]

        actor1 = self._name_actor(a1, country, article, text)
        actor2 = self._name_actor(a2, country, article, text)
        if sub.event_type in {"Protests", "Riots"}:
            actor1, actor2 = self._crowd_roles(sub, s_actors, country, article, text)
        if (
            actor1 is None
            and sub_event in _STATE_DEFAULT_TYPES
            and country
            and (actor2 is None or actor2[1] != "state_forces")
        ):
            demonym = self._demonym(country)
            if demonym:
                actor1 = (f"{demonym} security forces", "state_forces", country)
        if actor1 and actor2 and actor1[0] == actor2[0]:
            actor2 = None

        killed = find_count(s_text, "killed")
        injured = find_count(s_text, "injured")
        if no_casualties_reported(s_text):  # stated, so zero rather than unknown (ACLED codes 0)
            killed = Count(0, None, 0, 0)
            if re.search(
                r"\bno\s+(?:one|injuries|casualties)\b[^.]*\b(?:hurt|injured|wounded|injuries|casualties)", s_text, re.I
            ):
                injured = Count(0, None, 0, 0)
        chosen_date = _nearest(dates, cand.start - sentence.start)
        historical = self._is_historical(chosen_date, published, s_text, dates)
        negated = bool(ctx.negated.search(s_text))
        hedged = bool(ctx.hedged.search(s_text))

        has_date = chosen_date is not None
        has_count = killed is not None or injured is not None
        has_place = bool(s_places)
        has_named_actor = any(not a.actor.is_generic for a in s_actors)
        generic = bool(ctx.generic.search(s_text))
        trigger_surface = text[cand.start : cand.end]
        nominal_plural = bool(_PLURAL_NOUN_TRIGGER.match(trigger_surface)) and not has_count
        specificity = sum((has_date, has_count, has_place))
        anaphoric = bool(_ANAPHOR.search(text[max(0, cand.start - 12) : cand.start]))
        if not snippet and generic and not (has_date and (has_count or has_place)):
            return None
        if not snippet and (not cand.rule.specific or nominal_plural) and specificity == 0:
            return None
        confidence = cand.rule.weight + 0.1 * has_date + 0.1 * has_count + 0.05 * has_place
        confidence += 0.05 * has_named_actor - 0.1 * hedged - 0.1 * nominal_plural
        if not has_place and place is None:
            confidence -= 0.1
        if country is None:
            confidence -= 0.15  # no country anywhere in the article: not a row analysts can place
        confidence = round(max(0.0, min(1.0, confidence)), 3)

        event_date = chosen_date.value if chosen_date else published
        precision = chosen_date.precision if chosen_date else ("week" if published else None)
        key = f"{doc_id or hashlib.sha1(text.encode()).hexdigest()}|{sentence.start}|{sub_event}"
        event = Event(
            doc_id=doc_id,
            event_id=hashlib.sha1(key.encode()).hexdigest()[:16],
            event_type=sub.event_type,
            sub_event_type=sub_event,
            cameo_code=sub.cameo_code,
            quad_class=sub.quad_class,
            actor1=actor1[0] if actor1 else None,
            actor1_type=actor1[1] if actor1 else None,
            actor1_country=actor1[2] if actor1 else None,
            actor2=actor2[0] if actor2 else None,
            actor2_type=actor2[1] if actor2 else None,
            actor2_country=actor2[2] if actor2 else None,
            country=country,
            admin1=place.admin1 if place else None,
            admin1_code=place.admin1_code if place else None,
            admin2=place.admin2 if place else None,
            # a region-only mention names no location: admin1 with its capital's coordinates
            location=place.name if place and place.kind not in {"admin1", "country"} else None,
            latitude=place.latitude if place else None,
            longitude=place.longitude if place else None,
            geo_precision=(place.precision if has_place and not near else max(place.precision, 2)) if place else None,
            geonames_id=place.geonames_id if place else None,
            event_date=event_date,
            date_precision=precision,
            date_text=chosen_date.text if chosen_date else None,
            fatalities=killed.low if killed else None,
            fatalities_high=killed.high if killed else None,
            injured=injured.low if injured else None,
            historical=historical,
            negated=negated,
            hedged=hedged,
            evidence=s_text,
            char_start=sentence.start,
            char_end=sentence.end,
            confidence=confidence,
            rule_id=cand.rule.id,
            tagger_version=self.version,
        )
        weak = anaphoric or not (has_date or has_place)
        own_place = place if has_place and not historical else None
        return _Found(event, weak=weak, separate=bool(_SEPARATE.search(s_text)), outcome_only=cand.rule.outcome,
                      own_place=own_place)

    # ------------------------------------------------------------------ actors
    def _sentence_actors(self, sentence: Sentence, actors: list[ActorMention]) -> list[ActorMention]:
        """Actors of this sentence, without sources ("according to X", "X said") and with a
        generic word folded into the named actor right before it ("ISIS fighters")."""
        inside = [a for a in actors if sentence.start <= a.start < sentence.end]
        s_text = sentence.text
        excluded: set[int] = set()
        for match in self.context.source_follows.finditer(s_text):
            stop = s_text.find(",", match.end())
            stop = len(s_text) if stop == -1 else stop
            excluded.update(i for i, a in enumerate(inside) if match.end() <= a.start - sentence.start <= stop)
        for match in self.context.source_precedes.finditer(s_text):
            excluded.update(i for i, a in enumerate(inside) if 0 <= match.start() - (a.end - sentence.start) <= 20)
        kept: list[ActorMention] = []
        for i, mention in enumerate(inside):
            if i in excluded:
                continue
            if kept and mention.actor.is_generic and not kept[-1].actor.is_generic:
                gap = s_text[kept[-1].end - sentence.start : mention.start - sentence.start]
                if len(gap.split()) <= 1 and not re.search(r"[,;]|\band\b", gap):
                    continue  # "ISIS fighters": the generic word belongs to the named actor
            kept.append(mention)
        return kept

    def _roles(
        self, sentence: Sentence, cand: _Candidate, actors: list[ActorMention]
    ) -> tuple[ActorMention | None, ActorMention | None]:
        # an actor glued to the trigger ("Coalition airstrikes") counts as before it
        before = [a for a in actors if a.start < cand.start]
        after = [a for a in actors if a.start >= cand.end]
        rel_end = cand.end - sentence.start
        rel_start = cand.start - sentence.start
        passive = _PASSIVE_BY.search(sentence.text, max(0, rel_start - 30))
        # "were killed by X" around the trigger, or "were killed by a roadside bomb" just before it
        if passive and passive.start() <= rel_end + 5 and passive.end() >= rel_start - 12:
            by = _BY.search(sentence.text, passive.start())
            by_pos = sentence.start + (by.end() if by else passive.end())
            # the agent is the phrase right after "by", not any actor later in the sentence
            agents = [a for a in actors if by_pos <= a.start <= by_pos + 60]
            patients = [a for a in actors if a.end <= cand.start]
            return (agents[0] if agents else None), (patients[-1] if patients else None)
        if _PASSIVE_NO_AGENT.search(sentence.text[max(0, rel_start - 25) : rel_start]):
            # "four women were killed when gunmen opened fire": the victim comes first
            agent = next((a for a in after if a.actor.is_armed), None)
            if agent is None and len({a.actor for a in before}) >= 2:
                return before[-1], before[0]  # "two soldiers and three militants were killed"
            return agent, (before[-1] if before else None)
        # the clause subject: the first actor before the trigger ("CTS forces backed by army
        # helicopters killed four militants" → CTS), skipping victim-only words
        actor1 = next((a for a in before if a.actor.role_hint != "target_only"), None)
        actor2 = after[0] if after else None
        if actor1 is None and before and actor2 is None:
            actor2 = before[-1]  # "three civilians were killed": the only actor is the victim
        return actor1, actor2

    def _crowd_roles(self, sub, s_actors: list[ActorMention], country: str | None, article: _ArticleContext, text: str):
        """ACLED's convention for demonstrations: the crowd is actor1 (protesters, or rioters
        when violent), and the force that intervenes, or the mob's victim, is actor2."""
        crowd_type = "rioters" if sub.event_type == "Riots" else "protesters"
        label = "Rioters" if crowd_type == "rioters" else "Protesters"
        named_crowd = next(
            (a for a in s_actors if a.actor.actor_type in {"protesters", "rioters"} and not a.actor.is_generic), None
        )
        actor1 = (
            (named_crowd.actor.name, named_crowd.actor.actor_type, named_crowd.actor.country)
            if named_crowd
            else (f"{label} ({self._country_name(country)})", crowd_type, country)
        )
        if sub.id == "peaceful_protest":
            return actor1, None
        others = [a for a in s_actors if a.actor.actor_type not in {"protesters", "rioters"}]
        if sub.id == "mob_violence":
            target = next((a for a in others if a.actor.role_hint == "target_only"), None)
        else:
            target = next((a for a in others if a.actor.actor_type in {"state_forces", "external_forces"}), None)
        return actor1, self._name_actor(target, country, article, text)

    def _switch_by_actors(self, cand: _Candidate, a1: ActorMention | None, a2: ActorMention | None) -> str:
        rule, sub_event = cand.rule, cand.sub_event_type
        if sub_event != rule.sub_event_type:
            return sub_event  # a context switch already decided
        if a2 is not None:
            if rule.armed_target and a2.actor.is_armed:
                return rule.armed_target
            if rule.civilian_target and a2.actor.actor_type == "civilians":
                return rule.civilian_target
        if a1 is not None:
            if rule.state_actor1 and a1.actor.actor_type in {"state_forces", "external_forces"}:
                return rule.state_actor1
            if rule.nonstate_actor1 and a1.actor.actor_type not in {"state_forces", "external_forces"}:
                return rule.nonstate_actor1
        return sub_event

    def _name_actor(
        self, mention: ActorMention | None, country: str | None, article: _ArticleContext, text: str
    ) -> tuple[str, str, str | None] | None:
        if mention is None:
            return None
        actor = mention.actor
        if not actor.is_generic:
            return actor.name, actor.actor_type, actor.country
        template = actor.template or actor.name
        if template == _UNIDENTIFIED and actor.role_hint != "anonymous" and article.dominant_armed is not None:
            # "militants", "terrorists": the article's main armed group; "gunmen" stay unidentified
            dominant = article.dominant_armed
            return dominant.name, dominant.actor_type, dominant.country
        demonym_country = self._demonym_before(text, mention)
        if actor.role_hint == "needs_demonym" and demonym_country is None:
            return None
        actor_country = demonym_country or country
        if "{" in template:
            if actor_country is None:
                return None
            name = template.format(
                demonym=self._demonym(actor_country) or actor_country, country=self._country_name(actor_country)
            )
            return name, actor.actor_type, actor_country
        return template, actor.actor_type, None

    def _demonym_before(self, text: str, mention: ActorMention) -> str | None:
        """The country of a generic actor from a demonym just before it ("Iraqi federal
        police officer" → IRQ), looking back at most three words."""
        words = re.findall(r"[\w'-]+", text[max(0, mention.start - 40) : mention.start])[-3:]
        for word in reversed(words):
            country = self.gazetteer.by_demonym.get(fold(word))
            if country is not None:
                return country.iso3
        return None

    def _demonym(self, iso3: str) -> str | None:
        country = self.gazetteer.countries.get(iso3)
        return country.demonym if country else None

    def _country_name(self, iso3: str | None) -> str:
        country = self.gazetteer.countries.get(iso3 or "")
        return country.name if country else "unknown"

    # ------------------------------------------------------------------ places, dates
    def _resolve_place(
        self, s_places: list[PlaceMention], article: _ArticleContext, sentence: Sentence
    ) -> tuple[Place | None, bool]:
        """Where the sentence's event happened, and whether only near that place (a landmark)."""
        if any(p.strong for p in s_places):
            # "a missionary from Calgary was arrested in Lebanon": the origin is not the place
            s_places = [p for p in s_places if p.governor != "from"]
        spoken = [p for p in s_places if _SPOKEN_AT.search(sentence.text, 0, p.start - sentence.start)]
        if spoken and len(spoken) < len(s_places):
            s_places = [p for p in s_places if p not in spoken]
        else:
            spoken = []
        spoken_regions = {p.candidates[0].admin1 for p in spoken}
        specific = [p for p in s_places if p.kind not in {"admin1", "country"}]
        regions = [p for p in s_places if p.kind == "admin1"]
        region_names = {c.admin1 for p in regions for c in p.candidates}
        lead = next((p for p in s_places if p.strong and not p.reference), None)
        if lead is not None and lead.kind == "admin1" and specific and not _GENERIC_LEAD.match(lead.surface):
            # "52 demonstrators in Gaza were killed ... the embassy in Jerusalem": the region the
            # event is first placed in, when the towns named after it lie outside it
            inside = {(c.country, c.admin1) for c in lead.candidates}
            if lead.start < specific[0].start and not any(
                    (c.country, c.admin1) in inside for p in specific for c in p.candidates):
                specific = []
        if specific:
            # "Baghdad's Karrada district": the possessive names the container, not the place
            inner = [
                p
                for i, p in enumerate(specific)
                if not (
                    i + 1 < len(specific)
                    and sentence.text[p.end - sentence.start : p.end - sentence.start + 2] in ("'s", "’s")
                )
            ]
            specific = inner or specific
            # where it happened, not the landmark it is given relative to ("north of Baghdad")
            chosen = next((p for p in specific if p.strong and not p.reference),
                          next((p for p in specific if p.locative and not p.reference),
                               next((p for p in specific if not p.reference), specific[0])))
            far = chosen.reference and (chosen.reference_km or 0) > FAR_FROM_LANDMARK_KM
            if not far:
                place = self.gazetteer.resolve(chosen, region_names=region_names,
                                               admin1_counts=article.admin1_counts, country=article.country)
                return place, chosen.reference  # near a landmark: ACLED precision 2 at least
            if not regions:
                # "185 miles northwest of Beijing": not Beijing, and maybe not its province either
                return self.gazetteer.country_place(chosen.candidates[0].country), False
        if regions:
            return self.gazetteer.resolve(regions[0], region_names=region_names,
                                          admin1_counts=article.admin1_counts, country=article.country), False
        spread = _NATIONWIDE.search(sentence.text)
        if spread and not _BACKDROP_BEFORE.search(sentence.text, 0, spread.start()):
            # "rallies across the country", "Farmers across India have blocked roads": the country
            named = [p.candidates[0].country for p in s_places if p.kind == "country"]
            fallback = article.place_for(sentence)
            iso3 = next(iter(named), article.country or (fallback.country if fallback else None))
            return (self.gazetteer.country_place(iso3) if iso3 else None), False
        if any(p.kind == "country" for p in s_places):
            # "France was aware of the killings in Rwanda": the country it happened in, first
            countries = sorted((p for p in s_places if p.kind == "country"), key=lambda p: not p.strong)
            fallback = article.place_for(sentence)
            if (fallback and fallback.country == countries[0].candidates[0].country
                    and fallback.admin1 not in spoken_regions):  # not the region only spoken from
                return fallback, False
            return countries[0].candidates[0], False
        if article.country and _IN_THE_CAPITAL.search(sentence.text):
            # "rallied outside the army's headquarters in the capital": the article's country's
            capital = self.gazetteer.capital_place(article.country)
            if capital is not None:
                return capital, False
        if article.event_place is not None:
            # "in the same district", "the gunman then killed himself": where the last event was
            return article.event_place, False
        return article.place_for(sentence), False

    def _is_historical(
        self, chosen: DateMention | None, published: date | None, sentence: str, dates: list[DateMention]
    ) -> bool:
        if chosen is not None and chosen.value is not None and published is not None:
            if (published - chosen.value).days > self.historical_days:
                return True
            if chosen.precision == "year" and chosen.value.year < published.year:
                return True
            return False
        if chosen is not None and chosen.past_hint:
            return True
        if any(d.past_hint for d in dates):
            return True
        return chosen is None and bool(self.context.historical.search(sentence))


_TERMINAL = re.compile(r"[.!?:;][\"'”’)\]]*$")


def _is_heading(sentence: Sentence, text: str, title: str | None) -> bool:
    """A headline or sub-heading: a short line of its own without final punctuation."""
    if title and " ".join(sentence.text.split()) == " ".join(title.split()):
        return True
    if _TERMINAL.search(sentence.text) or len(sentence.text.split()) > 20:
        return False
    before = text[max(0, sentence.start - 2) : sentence.start]
    after = text[sentence.end : sentence.end + 2]
    return (sentence.start == 0 or "\n" in before) and (sentence.end == len(text) or "\n" in after)


def rules_digest(rules_dir: Path, data_files: Iterable[Path] = ()) -> str:
    """A short digest of the rule packs and the place data, so every event records exactly
    which rules and gazetteer made it (``tagger_version`` = engine version + this digest):
    a gazetteer edit is a rule change too, and ``retag`` must see it."""
    digest = hashlib.sha256()
    rule_files = sorted(p for p in rules_dir.iterdir() if p.suffix in {".toml", ".csv"})
    for path in [*rule_files, *data_files]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _nearest(dates: list[DateMention], position: int) -> DateMention | None:
    if not dates:
        return None
    return min(dates, key=lambda d: abs(d.start - position))


@dataclass
class _ArticleContext:
    """What the whole article says about place and actors, for sentences that do not."""

    country: str | None
    admin1_counts: Counter[str | None]
    dateline: Place | None
    dateline_start: int
    dateline_end: int
    place_mentions: list[tuple[int, Place]]
    dominant_armed: object | None
    tagger: Tagger
    event_place: Place | None = None  # where the latest event placed by its own sentence happened

    @classmethod
    def build(
        cls,
        tagger: Tagger,
        text: str,
        title: str | None,
        sentences: list[Sentence],
        places: list[PlaceMention],
        actors: list[ActorMention],
        country_hint: str | None,
    ) -> _ArticleContext:
        countries: Counter[str] = Counter()
        admin1_counts: Counter[str | None] = Counter()
        resolved: list[tuple[int, Place]] = []
        for mention in places:
            first = mention.candidates[0]
            countries[first.country] += 1
            # the likeliest reading, and every curated one (a feature across provinces); not each
            # GeoNames namesake ("Genoa" in Italy, not also in Ohio and Illinois)
            for rank, candidate in enumerate(mention.candidates):
                if candidate.admin1 and (rank == 0 or candidate.curated):
                    admin1_counts[candidate.admin1] += 1
        for mention in places:
            if mention.kind in {"country"}:
                continue
            resolved.append((mention.start, tagger.gazetteer.resolve(mention, admin1_counts=admin1_counts)))
        if title:
            for mention in tagger.gazetteer.find(title):
                countries[mention.candidates[0].country] += 2
        # no place names a country: the feed's, else the one the text's demonyms name most
        # ("Six Malian soldiers were killed ... in the desert")
        demonyms = Counter(tagger.gazetteer.demonym_countries(text)) if not countries and not country_hint else None
        country = (countries.most_common(1)[0][0] if countries else country_hint
                   or (demonyms.most_common(1)[0][0] if demonyms else None))
        dateline = None
        # the dateline opens the first body paragraph: "KIRKUK, Iraq (Wire) - ..."
        match = _DATELINE.search(text[:800])
        dateline_start, dateline_end = (match.start(), match.end()) if match else (0, 0)
        if match:
            for mention in tagger.gazetteer.find(
                match.group(1).title() if match.group(1).isupper() else match.group(1)
            ):
                if mention.kind != "country":
                    dateline = mention.candidates[0]
                    break
        armed = Counter(
            a.actor
            for a in actors
            if not a.actor.is_generic and a.actor.actor_type in {"rebel_group", "political_militia", "identity_militia"}
        )
        dominant = armed.most_common(1)[0][0] if armed else None
        return cls(country, admin1_counts, dateline, dateline_start, dateline_end, resolved, dominant, tagger)

    def place_for(self, sentence: Sentence) -> Place | None:
        """The place a sentence without one most likely refers to: the last specific place
        named before it in the same or previous paragraph, else the dateline, else the
        article's most named region."""
        previous = [
            p for start, p in self.place_mentions if start < sentence.start and p.kind not in {"admin1", "country"}
        ]
        if previous:
            best = previous[-1]
            return best
        if self.dateline is not None:
            return self.dateline
        if self.admin1_counts and self.country:
            admin1 = self.admin1_counts.most_common(1)[0][0]
            if admin1:
                return self.tagger.gazetteer.admin1_place(self.country, admin1)
        return None


_PLACE_FIELDS = ("country", "admin1", "admin1_code", "admin2", "location", "latitude", "longitude", "geo_precision",
                 "geonames_id")


def _merge_mentions(found: list[_Found]) -> list[Event]:
    """One incident told several times in an article (lede, details, quotes) becomes one
    event that keeps the first report's fields and fills its gaps from the later ones. A
    mention with no date, count or place of its own joins the latest event of its event
    type; one that says it is another incident never merges."""
    merged: list[Event] = []
    for item in found:
        event = item.event
        target = None
        if not item.separate and not event.historical:
            same_kind = [m for m in merged if not m.historical and m.negated == event.negated]
            if item.weak and item.outcome_only:
                target = same_kind[-1] if same_kind else None
            elif item.weak:
                target = next((m for m in reversed(same_kind) if m.event_type == event.event_type), None)
            else:
                target = next((m for m in reversed(same_kind) if _same_incident(m, event)), None)
        if target is None:
            if item.weak and not (event.actor1 and event.actor2):
                continue  # a bare "the clash lasted an hour" with nothing to attach to
            merged.append(event)
            continue
        fill = {}
        for field in (
            "actor1",
            "actor1_type",
            "actor1_country",
            "actor2",
            "actor2_type",
            "actor2_country",
            "fatalities",
            "fatalities_high",
            "injured",
            "date_text",
        ):
            if getattr(target, field) is None and getattr(event, field) is not None:
                fill[field] = getattr(event, field)
        if _refines_place(target, event):
            # a place is filled as a whole and only within the same country: "Sweden dropped its
            # case" does not take Quito from a later sentence about the embassy
            fill.update({name: getattr(event, name) for name in _PLACE_FIELDS})
        fill["confidence"] = max(target.confidence, event.confidence)
        merged[merged.index(target)] = replace(target, **fill)
    return merged


def _refines_place(target: Event, later: Event) -> bool:
    """Does a later mention place the incident more precisely, inside what the first said?
    (country → admin1 → town; "in Diyala" then "near Muqdadiya"; never across countries.)"""
    if later.country is None or target.country not in (None, later.country):
        return False
    if target.admin1 is None:
        return later.admin1 is not None or (target.country is None and later.country is not None)
    return target.location is None and later.location is not None and later.admin1 == target.admin1


def _same_incident(a: Event, b: Event) -> bool:
    if a.sub_event_type != b.sub_event_type:
        return False
    if a.admin1 and b.admin1 and a.admin1 != b.admin1:
        return False
    if a.location and b.location and a.location != b.location:
        return False
    if a.date_text and b.date_text and a.event_date != b.event_date:
        return False
    return not (a.actor1 and b.actor1 and a.actor1 != b.actor1)
