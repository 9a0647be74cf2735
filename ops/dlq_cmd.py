"""``bridgectl dlq``: list, show, replay and purge dead letters (``magento.<entity>.dead``).

Every ``--id`` is the event id (the AMQP message id). Exit codes: 0 done, 1 something was not done (an id
not found, a replay interrupted, dead letters that cannot be replayed), 2 bad arguments.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import datetime as dt
import functools
import json
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

import click
import tqdm

from core.entities import STREAMS
from core.errors import BrokerUnavailable
from core.logs import printable, printable_json
from core.settings import Settings
from ops.cmd_support import Moment, aligned, is_terminal, plural, ready_publisher, settings_from
from ops.dead_letter_groups import OPEN, RESOLVED, SETTLED, Group, group
from ops.dead_letter_queues import DeadLetterQueues, DlqError, ReplayResult, list_letters, purge, replay
from ops.dead_letters import DeadLetter, Selection
from store.db import DatabaseError, make_engine
from store.report_queries import last_successful_syncs

T = TypeVar("T")

LISTED_ERROR_CHARS = 500
PROGRESS_FROM = 100  # a progress bar is drawn on a terminal when at least this many dead letters are queued
UNREACHABLE = "cannot connect to the broker to publish the replays (AMQP_URL)"
TITLES = ("ID", "ENTITY", "KEY", "ATTEMPTS", "FIRST ATTEMPT", "LAST ATTEMPT", "ERROR CLASS")
GROUP_TITLES = ("ENTITY", "KEY", "STATE", "LETTERS", "NEWEST ID", "ATTEMPTS", "LAST ATTEMPT", "ERROR CLASS")
STATES = (OPEN, RESOLVED)


@click.group()
def dlq() -> None:
    """Dead letters: what could not be synced, with the full error; replay them after fixing the cause."""


@dlq.command("list")
@click.option("--entity", type=click.Choice(STREAMS),
              help="Only this stream's dead letters (an entity, or erp.<entity>).")
@click.option("--key", "keys", multiple=True, metavar="KEY", help="Only this record key (repeatable).")
@click.option("--error-class", metavar="CLASS", help="Only dead letters with this error class (e.g. ErpRejected).")
@click.option("--state", type=click.Choice(STATES), help="Only records whose newest dead letter is in this state.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of dead letters (with their state).")
@click.pass_context
def list_command(ctx: click.Context, entity: str | None, keys: Sequence[str], error_class: str | None,
                 state: str | None, as_json: bool) -> None:
    """Dead letters grouped by record, newest last: its state (open, or resolved by a later sync), how many
    dead letters it has (older ones are superseded), attempts, error class and message."""
    settings = settings_from(ctx)
    selection = Selection(entities=(entity,) if entity else STREAMS, keys=frozenset(keys), error_class=error_class)
    letters = _broker(lambda: list_letters(settings.amqp_url, selection))
    groups = [found for found in _grouped(settings, letters) if state is None or found.newest.state == state]
    if as_json:
        items = [judged.listed() for found in groups for judged in found.letters]
        click.echo(printable_json(json.dumps(items, indent=2, ensure_ascii=False)))
    else:
        click.echo("\n".join(grouped_table(groups)) if groups else "no dead letters")


@dlq.command()
@click.argument("event_id", metavar="ID")
@click.pass_context
def show(ctx: click.Context, event_id: str) -> None:
    """One dead letter, whole: its headers and body, and the full Magento or ERP error text."""
    settings = settings_from(ctx)
    letters = _broker(lambda: list_letters(settings.amqp_url, Selection(ids=frozenset({event_id}))))
    if not letters:
        raise click.ClickException(f"no dead letter has the id {event_id!r} (bridgectl dlq list shows them all)")
    for letter in letters:
        click.echo(printable_json(json.dumps(letter.whole(), indent=2, ensure_ascii=False, default=str)))


def _selectors(function: click.decorators.FC) -> click.decorators.FC:
    options = [
        click.option("--all", "everything", is_flag=True, help="Every dead letter of every entity."),
        click.option("--entity", type=click.Choice(STREAMS), help="Every dead letter of this entity."),
        click.option("--id", "ids", multiple=True, metavar="ID", help="This event id (repeatable)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@dlq.command("replay")
@_selectors
@click.option("--since", type=Moment(), help="Dead since this time: ISO 8601 or an age such as 2h.")
@click.option("--dry-run", is_flag=True, help="Only show what would be replayed.")
@click.pass_context
def replay_command(ctx: click.Context, everything: bool, entity: str | None, ids: Sequence[str],
                   since: dt.datetime | None, dry_run: bool) -> None:
    """Send the chosen dead letters back to be processed again (the record's current state is fetched)."""
    selection = _selection(everything, entity, ids, since)
    settings = settings_from(ctx)
    if dry_run:
        result = _broker(lambda: replay(settings.amqp_url, selection, publisher=_NoPublisher(), dry_run=True))
        _report_dry_run(result)
    else:
        with (ready_publisher(settings, "bridgectl-dlq-replay", UNREACHABLE) as publisher,
              _progress_bar(settings, selection) as bar):
            result = _broker(lambda: replay(settings.amqp_url, selection, publisher, on_progress=bar.update))
        _report_replay(result)
    _fail_on_missing(selection, result.selected)
    if result.interrupted_by or (result.unreplayable and not dry_run):
        ctx.exit(1)


@dlq.command("purge")
@_selectors
@click.option("--settled", is_flag=True,
              help="Only dead letters a newer one superseded or a later sync resolved (alone: of every entity).")
@click.option("--yes", is_flag=True, help="Really remove them (without it nothing is removed).")
@click.pass_context
def purge_command(ctx: click.Context, everything: bool, entity: str | None, ids: Sequence[str], settled: bool,
                  yes: bool) -> None:
    """Remove the chosen dead letters for good, after printing them; nothing is removed without --yes."""
    settings = settings_from(ctx)
    if settled:
        chosen = _selection(everything or not (entity or ids), entity, ids, None)
        selection = _settled_only(settings, chosen)
        if selection is None:
            click.echo("no settled dead letters")
            return
    else:
        selection = _selection(everything, entity, ids, None)

    def announce(letters: list[DeadLetter]) -> None:
        if letters:
            verb = "removing" if yes else "would remove"
            click.echo(f"{verb} {plural(len(letters), 'dead letter')}:")
            click.echo("\n".join(as_table(letters)))

    letters = _broker(lambda: purge(settings.amqp_url, selection, confirmed=yes, announce=announce))
    if not letters:
        click.echo("no dead letters match")
    elif yes:
        click.echo(f"removed {plural(len(letters), 'dead letter')}")
    else:
        click.echo(f"nothing removed: run again with --yes to remove these {plural(len(letters), 'dead letter')}")
    _fail_on_missing(selection, letters)


def _grouped(settings: Settings, letters: Sequence[DeadLetter]) -> list[Group]:
    """The letters grouped by record and judged; without the reports database none is found resolved."""
    if not letters:
        return []
    try:
        engine = make_engine(settings.database_url)
        try:
            synced = last_successful_syncs(engine, {(letter.entity, letter.key) for letter in letters})
        finally:
            engine.dispose()
    except DatabaseError as exc:
        click.echo(f"cannot read the reports database ({getattr(exc, 'orig', exc)}): no dead letter is shown "
                   "as resolved", err=True)
        synced = {}
    return group(letters, synced)


def _settled_only(settings: Settings, chosen: Selection) -> Selection | None:
    """The selection of the settled dead letters among ``chosen``; None when there are none."""
    letters = _broker(lambda: list_letters(settings.amqp_url, chosen))
    settled = {judged.letter.id for found in _grouped(settings, letters) for judged in found.letters
               if judged.state in SETTLED}
    return dataclasses.replace(chosen, ids=frozenset(settled)) if settled else None


def grouped_table(groups: Sequence[Group]) -> list[str]:
    """One aligned line per record (its newest dead letter), its error below, then the superseded ones."""
    rows = [(found.record[0], found.record[1], found.newest.state, len(found.letters), found.newest.letter.id,
             found.newest.letter.attempts, found.newest.letter.last_attempt_at, found.newest.letter.error_class)
            for found in groups]
    header, *lines = aligned(GROUP_TITLES, rows)
    out = [header]
    for found, line in zip(groups, lines):
        out.extend([line, _error_line(found.newest.letter)])
        if found.newest.state == RESOLVED:
            out.append(f"    resolved: {printable(str(found.newest.by))}")
        older = [judged.letter.id for judged in found.letters[:-1]]
        if older:
            out.append(f"    older, settled: {printable(', '.join(older))}")
    letters = [judged.letter for found in groups for judged in found.letters]
    settled = sum(found.settled for found in groups)
    out.append(f"{plural(len(letters), 'dead letter')} of {plural(len(groups), 'record')}: {_per_entity(letters)}")
    if settled:
        out.append(f"{plural(settled, 'dead letter')} settled (superseded by a newer one or resolved by a later "
                   "sync): bridgectl dlq purge --settled --yes removes them")
    return out


def _error_line(letter: DeadLetter) -> str:
    error = letter.error if len(letter.error) <= LISTED_ERROR_CHARS else (
        letter.error[:LISTED_ERROR_CHARS] + f"... (bridgectl dlq show {letter.id} for the whole text)")
    return "    error: " + printable(" ".join(error.splitlines()))


def as_table(letters: Sequence[DeadLetter]) -> list[str]:
    """One aligned line per dead letter, its error (cut at 500 characters) on the indented line below."""
    rows = [(letter.id, letter.entity, letter.key, letter.attempts, letter.first_attempt_at,
             letter.last_attempt_at, letter.error_class) for letter in letters]
    header, *lines = aligned(TITLES, rows)
    out = [header]
    for letter, line in zip(letters, lines):
        out.extend([line, _error_line(letter)])
    out.append(f"{plural(len(letters), 'dead letter')}: " + _per_entity(letters))
    return out


def _per_entity(letters: Sequence[DeadLetter]) -> str:
    counts = collections.Counter(letter.entity for letter in letters)
    return ", ".join(f"{entity} {count:,}" for entity, count in counts.items())


def _selection(everything: bool, entity: str | None, ids: Sequence[str], since: dt.datetime | None) -> Selection:
    try:
        return Selection.build(everything=everything, entity=entity, ids=ids, since=since)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def _broker(action: Callable[[], T]) -> T:
    """Run ``action``; a broker problem ends the command with its reason."""
    try:
        return action()
    except DlqError as exc:
        raise click.ClickException(str(exc)) from None


@contextlib.contextmanager
def _progress_bar(settings: Settings, selection: Selection) -> Iterator[tqdm.tqdm]:
    """A bar on a terminal when many dead letters are queued; a silent counter otherwise."""
    queued = 0
    if is_terminal():
        with _broker(lambda: DeadLetterQueues(settings.amqp_url)) as queues:
            queued = sum(_broker(functools.partial(queues.depth, entity)) for entity in selection.entities)
    total = queued if not (selection.ids or selection.since) else None
    with tqdm.tqdm(total=total, unit="letters", desc="replayed", disable=queued < PROGRESS_FROM) as bar:
        yield bar


class _NoPublisher:
    """A dry run publishes nothing."""

    def publish_async(self, *args: object, **kwargs: object) -> None:
        raise BrokerUnavailable("a dry run does not publish")


def _report_dry_run(result: ReplayResult) -> None:
    replayable = [letter for letter in result.selected if letter.replayable]
    if not result.selected:
        click.echo("no dead letters match")
        return
    click.echo(f"would replay {plural(len(replayable), 'dead letter')} (dry run: nothing was sent or removed):")
    click.echo("\n".join(as_table(replayable)))
    _report_unreplayable(result.unreplayable)


def _report_replay(result: ReplayResult) -> None:
    if not result.selected:
        click.echo("no dead letters match")
        return
    click.echo(f"replayed {plural(result.replayed, 'dead letter')}")
    _report_unreplayable(result.unreplayable)
    if result.interrupted_by:
        left = result.not_replayed - len(result.unreplayable)
        click.echo(f"replay interrupted: {result.interrupted_by}; {plural(left, 'dead letter')} not replayed "
                   "are still in the dead-letter queues: run the same command again", err=True)


def _report_unreplayable(letters: Sequence[DeadLetter]) -> None:
    for letter in letters:
        shown = printable(letter.id)
        click.echo(f"cannot replay {shown} ({letter.entity}): {printable(str(letter.problem))}; it stays dead "
                   f"(bridgectl dlq purge --id {shown} --yes removes it)", err=True)


def _fail_on_missing(selection: Selection, found: Sequence[DeadLetter]) -> None:
    missing = sorted(selection.ids - {letter.id for letter in found})
    if missing:
        raise click.ClickException(f"no dead letter has the id {', '.join(missing)}")
