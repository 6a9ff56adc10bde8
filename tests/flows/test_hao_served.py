"""Programme B on a real Prefect server with served deployments: every kind of hao trajectory.

One module-scoped stack (server, runner, SMTP to a Maildir, portal) on a fast clock
(12 simulated hours a second). The people act through their personal links over
HTTP; a trainer asks from the mentor list; the COMO chair couples once through her
link and once through the progress run's input form (the Prefect API call the UI
makes). Then it proves that the institute's export and digest, the finance export
and the Prefect run metadata carry nothing of the consultation, and that the
guidance report reached the institute only after the trainer's signature.
"""

from __future__ import annotations

import contextvars
import email
import email.policy
import json
import mailbox
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from domain.clock import AMSTERDAM
from tests.stack import running_stack, svc

pytestmark = pytest.mark.slow

LINK = re.compile(r"https?://[^\s\"'<>]+/h/[A-Za-z0-9_\-.]+")
SPEED = 12 * 3600  # simulated seconds per real second
SECRET_NAME = "Hanna Hoogland-Verborgen"
SECRET_EMAIL = "hanna.verborgen@praktijk-geheim.example"
SECRET_QUESTION = "Mijn aios Pieter-Jan en ik botsen over zijn beoordeling; dreigt ontkoppeling?"
REPORT = "Doel taakgebied 2 bereikt: feedback is concreet en tijdig."
DISSENT = "Ik vind dat de planning niet aan mij lag."
USED: set[str] = set()  # links acted on in this module
HAO_DEPLOYMENTS = ["hao-consultation/hao-consultation", "hao-guidance/hao-guidance", "hao-progress/hao-progress",
                   "hao-information/hao-information", "hao-institute-digest/hao-institute-digest",
                   "hao-intervision/hao-intervision"]


@pytest.fixture(scope="module")
def stack(served_database):
    yield from running_stack("hao-stack", "2021-09-01T07:00:00+00:00", speed=SPEED, database=served_database(),
                             env={"MENTORSCHAP_LINK_VALID_DAYS": "3650"}, deployments=tuple(HAO_DEPLOYMENTS))


def wait_until(what: str, check, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def mails(maildir: Path) -> list[email.message.EmailMessage]:
    box = mailbox.Maildir(maildir, create=True)
    return [email.message_from_bytes(box.get_bytes(k), policy=email.policy.default) for k in box.iterkeys()]


def text_of(msg) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def mails_to(maildir: Path, address: str) -> list[email.message.EmailMessage]:
    return [m for m in mails(maildir) if address in str(m["To"])]


def link_for(maildir: Path, to: str, action: str, used: set[str]) -> str:
    """A personal hao link of ``action`` in mail to ``to`` that this test has not used yet and whose
    occasion is open (a reminder's link for an act done meanwhile is not the one a person would take)."""
    from domain.hao.occasions import refusal

    for msg in mails_to(maildir, to):
        for url in LINK.findall(text_of(msg)):
            claim = svc().hao.links.read(url.rsplit("/", 1)[1])
            if url in used or claim.action != action:
                continue
            if claim.trajectory_id:
                t, _ = svc().hao.repo.trajectory(claim.trajectory_id)
                if refusal(t, claim.role, claim.person_id, claim.action, claim.ref, claim.extra) is not None:
                    continue
            return url
    return ""


def chair_link(stack, trajectory_id: int) -> str:
    """The coupling link for this starting trainer in the COMO chair's mail."""
    for msg in mails_to(stack.maildir, "cor@example.org"):
        for url in LINK.findall(text_of(msg)):
            claim = svc().hao.links.read(url.rsplit("/", 1)[1])
            if claim.action == "hao_couple" and claim.trajectory_id == trajectory_id:
                return url
    return ""


def events(api_url: str) -> list[str]:
    """Every event the server keeps, page after page, as JSON text."""
    since = (datetime.now(UTC) - timedelta(hours=3)).isoformat()
    page = httpx.post(f"{api_url}/events/filter", json={"filter": {"occurred": {"since": since}}, "limit": 50})
    assert page.status_code == 200, page.text
    texts = [page.text]
    while (next_page := page.json().get("next_page")) and len(texts) < 200:
        page = httpx.get(next_page)
        texts.append(page.text)
    assert sum(len(json.loads(t)["events"]) for t in texts) > 20
    return texts


def act(stack, to: str, action: str, form, used: set[str]) -> dict:
    """Open the link from the mail and post the form (a callable: filled in when the link is there)."""
    url = wait_until(f"{action} link for {to}", lambda: link_for(stack.maildir, to, action, used))
    used.add(url)
    assert httpx.get(url, timeout=30).status_code == 200
    data = form() if callable(form) else form
    response = httpx.post(url, data=data, timeout=30)
    assert response.status_code == 200, response.text[-2000:]
    return data


def waits_at(tid: int, label: str) -> bool:
    _, key = svc().control.waiting_at(svc().hao.subject(tid))
    return bool(key and key.label == label)


def when(days: float) -> dict[str, str]:
    """Date and time fields for a moment ``days`` from the simulated now, on a whole quarter hour."""
    local = (svc().clock.now() + timedelta(days=days)).astimezone(AMSTERDAM)
    local = local.replace(minute=(local.minute // 15) * 15, second=0, microsecond=0)
    return {"date": local.date().isoformat(), "time": local.strftime("%H:%M")}


def after(fields: dict[str, str]) -> None:
    """Let the simulated clock pass the planned moment."""
    starts = datetime.fromisoformat(f"{fields['date']}T{fields['time']}").replace(tzinfo=AMSTERDAM)
    wait_until("the conversation's start", lambda: svc().clock.now() > starts + timedelta(hours=1), timeout=60)


def run_deployment(name: str) -> None:
    from prefect.deployments import run_deployment as run

    flow_run = run(name, timeout=120)
    assert flow_run.state is not None and flow_run.state.is_completed(), flow_run.state


@pytest.fixture(scope="module")
def people(stack):
    from domain.hao.people import HaoPerson, HaoRole

    repo = svc().hao.repo
    ids = {
        "consulting": repo.add_person(HaoPerson(role=HaoRole.TRAINER, name=SECRET_NAME, email=SECRET_EMAIL)),
        "guided": repo.add_person(HaoPerson(role=HaoRole.TRAINER, name="Gert Begeleid", email="gert@example.org")),
        "starter": repo.add_person(HaoPerson(role=HaoRole.TRAINER, name="Sterre Start", email="sterre@example.org")),
        "late": repo.add_person(HaoPerson(role=HaoRole.TRAINER, name="Lars Laat", email="lars@example.org")),
        "mentor": repo.add_person(HaoPerson(role=HaoRole.MENTOR, name="Mieke Mentor", email="mieke@example.org",
                                            expertise="beoordelen; ontkoppeling")),
        "mentor2": repo.add_person(HaoPerson(role=HaoRole.MENTOR, name="Bart Mentor", email="bart@example.org")),
        "mentor3": repo.add_person(HaoPerson(role=HaoRole.MENTOR, name="Pim Mentor", email="pim@example.org")),
        # The late starter's mentor: a mentor of his own, so that no other scenario's links cross his.
        "mentor4": repo.add_person(HaoPerson(role=HaoRole.MENTOR, name="Kees Koppel", email="kees@example.org")),
        "staff1": repo.add_person(HaoPerson(role=HaoRole.STAFF, name="Simone Staf", email="simone@example.org")),
        "staff2": repo.add_person(HaoPerson(role=HaoRole.STAFF, name="Mark Staf", email="mark@example.org")),
        "chair": repo.add_person(HaoPerson(role=HaoRole.CHAIR, name="Cor Voorzitter", email="cor@example.org")),
    }
    return ids


def consultation_series(stack, people) -> None:
    """A consultation series asked from the mentor list and confirmed through the mail, accepted by the
    mentor, closed by the mentor. (The yearly information mail is sent too; its link is not needed.)"""
    used = USED
    run_deployment("hao-information/hao-information")
    asked = httpx.post(f"{stack.portal}/hao/mentoren", timeout=30, data={
        "email": SECRET_EMAIL.upper(), "mentor_id": str(people["mentor"]), "question": SECRET_QUESTION})
    assert asked.status_code == 200 and "Kijk in uw e-mail" in asked.text
    act(stack, SECRET_EMAIL, "hao_confirm", {"mentor_id": str(people["mentor"]), "form": "phone",
                                             "question": SECRET_QUESTION}, used)
    from domain.hao.trajectory import Kind

    [c] = svc().hao.repo.all(Kind.CONSULTATION)
    wait_until("answer wait", lambda: waits_at(c.id, "answer"))
    request = [m for m in mails_to(stack.maildir, "mieke@example.org") if SECRET_QUESTION in text_of(m)]
    assert request and SECRET_NAME not in str(request[0]["Subject"])
    act(stack, "mieke@example.org", "hao_answer", {"answer": "accept"}, used)
    wait_until("conversations wait", lambda: waits_at(c.id, "conversations"))
    assert wait_until("accepted mail", lambda: [m for m in mails_to(stack.maildir, SECRET_EMAIL)
                                                if "aangenomen" in str(m["Subject"])])

    first = act(stack, "mieke@example.org", "hao_plan", lambda: {**when(1), "form": "phone"}, used)
    wait_until("invitation", lambda: any("text/calendar" in m.as_string() for m in mails_to(stack.maildir,
                                                                                              SECRET_EMAIL)))
    after(first)
    second = act(stack, "mieke@example.org", "hao_held", lambda: {
        "km": "12", "hours": "1", "next_date": when(2)["date"], "next_time": when(2)["time"]}, used)
    after({"date": second["next_date"], "time": second["next_time"]})
    act(stack, "mieke@example.org", "hao_held", {"km": "0", "hours": "0,5", "done": "yes"}, used)
    wait_until("consultation run completed", lambda: svc().hao.state(c.id) == "COMPLETED")
    t, _ = svc().hao.repo.trajectory(c.id)
    assert t.phase == "closed" and len(t.held()) == 2 and t.closed_by == "mentor"


def targeted_guidance(stack, people) -> None:
    """Targeted guidance reaches the institute only after the trainer's signature."""
    from adapters.hao_store import new_pseudonym
    from administration.hao_export import institute_export
    from domain.hao.trajectory import Goal, Guidance, Kind

    used = USED
    now = svc().clock.now()
    g = Guidance.request(people["guided"], people["mentor2"], "institute", "short_term",
                         [Goal(area=2, text="Concreet feedback geven"), Goal(area=5, text="Grenzen bewaken")],
                         new_pseudonym(Kind.GUIDANCE), now)
    g = svc().hao.repo.add_trajectory(g, now)
    svc().hao.start(g)
    act(stack, "gert@example.org", "hao_goals", {}, used)
    first = act(stack, "bart@example.org", "hao_plan", lambda: {**when(1), "form": "visit"}, used)
    after(first)
    act(stack, "bart@example.org", "hao_held", {"km": "30", "hours": "2", "done": "yes"}, used)
    act(stack, "bart@example.org", "hao_report", {"text": REPORT}, used)
    wait_until("discussion wait", lambda: waits_at(g.id, "discussion"))

    # Written, not yet discussed: the institute sees only that the guidance runs.
    [seen] = [x for x in institute_export(svc())["trajectories"] if x["reference"] == g.pseudonym]
    assert seen["status"] == "begeleiding loopt" and seen["report"] is None
    staff_mail = mails_to(stack.maildir, "simone@example.org")
    assert staff_mail and not any(REPORT in text_of(m) for m in staff_mail)

    act(stack, "gert@example.org", "hao_discussed", {"discussed": "yes", "dissent": DISSENT}, used)
    wait_until("guidance run completed", lambda: svc().hao.state(g.id) == "COMPLETED")
    [seen] = [x for x in institute_export(svc())["trajectories"] if x["reference"] == g.pseudonym]
    assert seen["report"]["text"] == REPORT and seen["report"]["dissent"] == DISSENT
    released = [m for m in mails_to(stack.maildir, "simone@example.org") if REPORT in text_of(m)]
    assert len(released) == 1 and DISSENT in text_of(released[0])
    assert any(REPORT in text_of(m) for m in mails_to(stack.maildir, "mark@example.org"))


def progress_conversations(stack, people) -> None:
    """Progress conversations coupled by the COMO chair: two reports signed by both meet the minimum, a
    third (offered in the mail that says so) goes to the dossier too, and the mentor's "last" closes it."""
    from adapters.hao_store import new_pseudonym
    from administration.hao_export import render_dossier
    from domain.hao.trajectory import Kind, Progress

    used = USED
    now = svc().clock.now()
    p = svc().hao.repo.add_trajectory(Progress.start(people["starter"], new_pseudonym(Kind.PROGRESS), now), now)
    svc().hao.start(p)
    wait_until("coupling wait", lambda: waits_at(p.id, "coupling"))
    assert mails_to(stack.maildir, "cor@example.org")
    # The COMO chair chooses the mentor through the personal link in her mail (not the Prefect UI).
    url = wait_until("the chair's link", lambda: chair_link(stack, p.id))
    assert "Pim Mentor" in httpx.get(url, timeout=30).text
    coupled = httpx.post(url, data={"mentor_id": str(people["mentor3"])}, timeout=30)
    assert coupled.status_code == 200, coupled.text[-2000:]
    assert httpx.post(url, data={"mentor_id": str(people["mentor3"])}, timeout=30).status_code == 410
    reports = ("Start verloopt goed; leerplan aios staat.", "Beoordelingen op tijd; rol helder.",
               "Derde gesprek op eigen verzoek: ontkoppeling voorkomen.")
    for n, report in enumerate(reports, start=1):
        # The third conversation is planned through the link in the mail that says the minimum of two is met.
        moment = act(stack, "pim@example.org", "hao_plan", lambda: {**when(1), "form": "meeting"}, used)
        after(moment)
        act(stack, "pim@example.org", "hao_held",
            {"km": "8", "hours": "1", "text": report, **({"done": "yes"} if n == 3 else {})}, used)
        act(stack, "sterre@example.org", "hao_sign_report", {}, used)
        if n == 2:  # two signed reports meet the minimum; the run goes on waiting (issue 10.10)
            wait_until("minimum met", lambda: [m for m in mails_to(stack.maildir, "mark@example.org")
                                               if "Hao-dossier Sterre Start: 2" in str(m["Subject"])])
            assert svc().hao.repo.trajectory(p.id)[0].phase == "conversations"
    wait_until("progress run completed", lambda: svc().hao.state(p.id) == "COMPLETED")
    t, _ = svc().hao.repo.trajectory(p.id)
    assert t.phase == "closed" and len(t.signed_reports()) == 3
    dossier = render_dossier(svc(), p.id)
    assert "Sterre Start" in dossier and reports[2] in dossier and "Getekend" in dossier
    closed = wait_until("closing mail", lambda: [m for m in mails_to(stack.maildir, "simone@example.org")
                                                 if "afgerond: Sterre Start" in str(m["Subject"])])
    assert reports[2] in text_of(closed[0])


def overdue_starter(stack, people) -> None:
    """A starter without two signed reports by the due date is flagged to the institute."""
    from adapters.hao_store import new_pseudonym
    from domain.hao.trajectory import Kind, Progress
    from flows.hao.sweep import hao_sweep_now

    now = svc().clock.now()
    due = now + timedelta(days=2)
    p = svc().hao.repo.add_trajectory(Progress.start(people["late"], new_pseudonym(Kind.PROGRESS), now, due), now)
    svc().hao.start(p)
    wait_until("coupling wait", lambda: waits_at(p.id, "coupling"))
    wait_until("the due date", lambda: svc().clock.now() > due, timeout=30)
    hao_sweep_now()  # (or the test's sweeper, first)
    assert svc().hao.repo.trajectory(p.id)[0].flagged_at is not None
    assert hao_sweep_now()["flagged"] == 0  # once
    flag = wait_until("flag mail", lambda: [m for m in mails_to(stack.maildir, "mark@example.org")
                                           if "Lars Laat" in str(m["Subject"])])
    assert "0 door beiden getekende verslagen" in text_of(flag[0])
    # The chair couples in the Prefect UI (the run's MentorCoupling form; the UI makes this same call):
    # the link in her mail then refuses clearly.
    url = wait_until("the chair's link", lambda: chair_link(stack, p.id))
    # The flag mail is the sweep's (owed by the act), so it may arrive before the woken run waits again.
    wait_until("coupling wait again", lambda: waits_at(p.id, "coupling"))
    assert svc().hao.wake(p.id, "facilitator", extra={"mentor_id": people["mentor4"]})
    wait_until("conversations wait", lambda: waits_at(p.id, "conversations"))
    refused = httpx.post(url, data={"mentor_id": str(people["mentor3"])}, timeout=30)
    assert refused.status_code == 410 and "al een hao-mentor gekoppeld" in refused.text
    assert svc().hao.repo.trajectory(p.id)[0].mentor_id == people["mentor4"]


def intervision(stack, people) -> None:
    """The yearly intervision invites every mentor and both contact persons, with a calendar invitation."""
    run_deployment("hao-intervision/hao-intervision")
    for address in ("mieke@example.org", "bart@example.org", "pim@example.org", "simone@example.org"):
        [invitation] = [m for m in mails_to(stack.maildir, address) if "Intervisie" in str(m["Subject"])]
        assert "2022" in str(invitation["Subject"]) and "text/calendar" in invitation.as_string()
    assert not [m for m in mails_to(stack.maildir, SECRET_EMAIL) if "Intervisie" in str(m["Subject"])]


@pytest.mark.timeout(600)  # some twenty flow-run starts; minutes on a busy machine
def test_every_kind_of_hao_trajectory_runs_to_its_end_at_once(stack, people):
    """The scenarios run side by side (the runner runs their flow runs concurrently)."""
    scenarios = [consultation_series, targeted_guidance, progress_conversations, overdue_starter, intervision]
    from flows.hao.sweep import hao_sweep_now

    stop = threading.Event()

    def sweeper() -> None:
        """The scheduled hao-sweep, every few seconds: it wakes a run whose wake-up raced its suspension."""
        while not stop.wait(4):
            hao_sweep_now()

    threading.Thread(target=contextvars.copy_context().run, args=(sweeper,), daemon=True).start()
    with ThreadPoolExecutor(len(scenarios)) as pool:
        # Each thread runs in a copy of this context, which holds the stack's Prefect settings.
        futures = [pool.submit(contextvars.copy_context().run, scenario, stack, people) for scenario in scenarios]
        try:
            for future in futures:
                future.result()  # re-raises a scenario's failure
        finally:
            stop.set()


def test_nothing_of_the_consultation_reaches_the_institute_finance_or_prefect(stack, people):
    from prefect import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    from administration.hao_export import finance_export, institute_export
    from domain.hao.trajectory import Kind

    secrets = [SECRET_NAME, SECRET_EMAIL, SECRET_QUESTION, "Pieter-Jan", "hanna.verborgen"]
    [c] = svc().hao.repo.all(Kind.CONSULTATION)

    def clean(blob: str, where: str) -> None:
        for secret in secrets:
            assert secret not in blob, f"{secret!r} leaked into {where}"

    institute = json.dumps(institute_export(svc()), ensure_ascii=False)
    clean(institute, "the institute's export")
    assert c.pseudonym not in institute and "consultation" not in institute
    run_deployment("hao-institute-digest/hao-institute-digest")
    digests = [m for m in mails(stack.maildir) if "Overzicht hao-mentoren" in str(m["Subject"])]
    assert len(digests) == 2 and "Gert Begeleid" in text_of(digests[0])
    for address in ("simone@example.org", "mark@example.org", "cor@example.org"):
        clean("\n".join(str(m["Subject"]) + text_of(m) for m in mails_to(stack.maildir, address)), f"mail to {address}")

    # The facilitator's weekly digest and board read programme A's table only; no hao trajectory is in it.
    assert svc().repo.trajectory_ids() == []
    assert all(row["trajectory_id"] is None for row in svc().outbox.rows() if row["template"].startswith("hao_"))

    finance = finance_export(svc())
    clean(json.dumps(finance, ensure_ascii=False), "the finance export")
    assert all(line["kind"] != "consultation" for line in finance["claims"])
    # Her consultation is in no line and no total: at most, once its year has ended, in one yearly sum.
    assert all(x["mentor"] != "Mieke Mentor" for x in finance["mentor_totals"] + finance["claims"])
    assert all(x["year"] < svc().clock.now().year for x in finance["confidential_per_year"])
    assert {line["mentor"] for line in finance["claims"]} == {"Bart Mentor", "Pim Mentor"}

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs()
        assert len(runs) >= 7
        run_id = svc().run_store.flow_run_id(svc().hao.subject(c.id))
        run = client.read_flow_run(run_id)
        assert run.name == f"consultatie {c.pseudonym}" and run.parameters == {"trajectory_id": c.id}
        assert set(run.tags) == {"hao", "hao:consultation", "programma:hao"}
        blob = [json.dumps(r.model_dump(mode="json"), ensure_ascii=False) for r in runs]
        blob += [json.dumps(t.model_dump(mode="json"), ensure_ascii=False) for t in client.read_task_runs()]
        logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[r.id for r in runs])))
        assert logs, "the runs log something"
        blob += [entry.message for entry in logs]
        blob += [json.dumps(a.model_dump(mode="json"), ensure_ascii=False) for a in client.read_artifacts()]
        for r in runs:
            inputs = httpx.post(f"{stack.api_url}/flow_runs/{r.id}/input/filter", json={"prefix": "", "limit": 500})
            assert inputs.status_code == 200
            blob.append(inputs.text)
    blob += events(stack.api_url)
    clean("\n".join(blob), "the Prefect metadata")
    assert c.pseudonym in "\n".join(blob)  # the run is there, under its pseudonym
