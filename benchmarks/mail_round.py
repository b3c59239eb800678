"""One school's mail answered: fetch → build → send, on a district-scale demo.

A real Dovecot and aiosmtpd run on loopback (as in the tests: ``tests/mailservers.py``;
needs Debian's ``dovecot-imapd``). The district is built and every unit's feedback mailed
once (a month in progress); then, each time, one school mails an edited workbook and kcbx
answers it. Measured in the same run:

  - baseline: ``kcbx validate`` of the same workspace, its kept report removed (what the
    issue names), and ``kcbx validate`` after the same resend (pull + validate);
  - one round of ``kcbx mail watch`` in a fresh process: until the school's answer is sent
    (fetch, pull, validate, feedback, send — the round answers first), and whole (then the
    reports, handbooks and site from the same pull);
  - the three commands one after another: ``kcbx mail fetch``, ``kcbx build``, ``kcbx mail send``.

    python benchmarks/mail_round.py [--children 100000] [--workdir DIR]
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
from common import demo_run, validate_again

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from mailservers import ENV, PASSWORD, Dovecot, Smtp, mail, use_mailbox  # noqa: E402

RESENDS = 3
ROUND = ("from kcbx import pipeline; from kcbx.config import load_config; "
         "pipeline.watch(lambda: load_config('.'), 300, "
         "lambda r: print('ROUND', r.answered, r.seconds, r.problem), rounds=1)")


def run(root: Path, *args: str) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *args], cwd=root, check=False, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - start, done.stdout


def kcbx(root: Path, *args: str) -> float:
    return run(root, "-m", "kcbx", *args)[0]


def watch_round(root: Path) -> tuple[float, float]:
    """(seconds until the answer was sent, seconds of the whole process)."""
    wall, out = run(root, "-c", ROUND)
    line = next(x for x in out.splitlines() if x.startswith("ROUND "))
    answered, seconds = (float(v) for v in line.split()[1:3])
    if not answered:
        raise SystemExit(f"the round answered nothing: {line}")
    return wall - (seconds - answered), wall


def main() -> None:
    args, work, root = demo_run(__doc__.splitlines()[0], "mail-run")
    os.environ[ENV] = PASSWORD
    dovecot = Dovecot(work / "dovecot").start()
    smtp = Smtp().start()
    try:
        use_mailbox(root, dovecot, smtp)
        books = sorted((root / "submissions").glob("*.xlsx"))
        print(f"{args.children:,} children, {len(books)} school workbooks; "
              f"Dovecot on :{dovecot.port}, aiosmtpd on :{smtp.port}")
        cold = kcbx(root, "build")
        first = kcbx(root, "mail", "send")
        mailed = len(smtp.keeper.received)
        print(f"  set-up: kcbx build cold {cold:.1f} s; kcbx mail send to every unit {first:.1f} s "
              f"({mailed} mails)")

        validate = validate_again(root, kcbx)
        target = root / "submissions" / "QSXX.xlsx"
        outbox = work / "outbox.xlsx"
        copy = work / "mail-run-validate"
        answers, rounds, commands, resent = [], [], [], []
        for k in range(2 * RESENDS):  # a watch round, then the three commands, in turn
            book = openpyxl.load_workbook(target)
            book.worksheets[0].cell(2, 3).value = f"吴某新{k}"
            book.save(outbox)
            shutil.rmtree(copy, ignore_errors=True)  # validate after the same resend, for scale
            shutil.copytree(root, copy, symlinks=True)
            shutil.copy2(outbox, copy / "submissions" / "QSXX.xlsx")
            resent.append(kcbx(copy, "validate"))
            shutil.rmtree(copy, ignore_errors=True)
            before = len(smtp.keeper.received)
            dovecot.deliver(mail("qsxx@example.com", ("青石镇中心小学报表.xlsx", outbox.read_bytes())))
            if k % 2 == 0:
                answer, whole = watch_round(root)
                answers.append(answer)
                rounds.append(whole)
            else:
                commands.append(kcbx(root, "mail", "fetch") + kcbx(root, "build")
                                + kcbx(root, "mail", "send"))
            answered = [m for m in smtp.keeper.received[before:] if "青石镇中心小学" in m["Subject"]]
            if target.read_bytes() != outbox.read_bytes() or not answered:
                raise SystemExit("the school's mail was not taken and answered")
        answer, one_round = statistics.median(answers), statistics.median(rounds)
        three, after = statistics.median(commands), statistics.median(resent)
        print(f"  baseline: kcbx validate (the snapshot validated again): {validate:.1f} s")
        print(f"  baseline: kcbx validate after the same resend (pull + validate), median of "
              f"{len(resent)}: {after:.1f} s")
        print(f"  one kcbx mail watch round, until the school's answer is sent (fetch → pull → "
              f"validate → feedback → send), median of {RESENDS}: {answer:.1f} s "
              f"({answer / validate:.2f} × validate; target ≤ 3×; "
              f"{answer / after:.2f} × validate after the same resend)")
        print(f"  the same round whole (then reports, handbooks, site from the same pull): "
              f"{one_round:.1f} s ({one_round / validate:.2f} × validate)")
        print(f"  kcbx mail fetch + kcbx build + kcbx mail send, median of {RESENDS}: {three:.1f} s "
              f"({three / validate:.2f} × validate)")
    finally:
        smtp.stop()
        dovecot.remove()


if __name__ == "__main__":
    main()
