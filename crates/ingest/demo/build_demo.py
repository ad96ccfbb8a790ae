#!/usr/bin/env python3
"""Regenerates Reskill's demo taxonomy and risk files from the real data bundle.

Reads ESCO v1.1.1 and the Nesta "Mapping Career Causeways" risk table from ../shared/data
(beside the repository; pass another folder as the first argument) and writes, next to this
script: occupations_en.csv, skills_en.csv, occupationSkillRelations.csv, ISCOGroups_en.csv
(official ESCO CSV format, a subset of real rows with real URIs and labels) and risk_nesta.csv.

Occupation descriptions are our own (below); ESCO descriptions are not copied. Skill and ISCO
group descriptions are left empty. courses.csv is hand-written and not produced here.

This script is a maintenance tool: it is not run at build time and needs only Python 3.
"""

import collections
import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parents[2] / ".." / "shared" / "data"
ESCO = DATA / "esco"

# (preferred label, role in the story, chosen real alt labels, our own description)
OCCUPATIONS = [
    # At risk: routine customer contact, marketing support, language and back-office work.
    ("customer service representative", "at_risk",
     ["customer service officer", "customer complaints handler",
      "customer relations officer", "customer experience manager", "service desk operator"],
     "Answers customer questions and complaints by phone, email and chat, and keeps records of "
     "each case. Much of the routine contact is now handled by chatbots and self-service."),
    ("customer contact centre information clerk", "at_risk",
     ["customer contact clerk", "customer helpdesk clerk", "customer support officer",
      "customer service clerk", "customer representative"],
     "Gives customers information about products, services and orders from a contact centre, "
     "following scripts and knowledge bases."),
    ("call centre agent", "at_risk",
     ["call centre operator", "call centre representative", "telemarketer",
      "telephone sales agent", "inbound call centre agent", "outbound call centre agent"],
     "Handles inbound and outbound calls for sales, bookings or support, working to call "
     "targets and scripts."),
    ("telephone switchboard operator", "at_risk",
     ["switchboard operator", "telephone operator", "switchboard receptionist"],
     "Answers an organisation's incoming calls and routes them to the right person or team."),
    ("marketing assistant", "at_risk",
     ["marketing executive assistant", "marketing associate", "marketing officer",
      "marketing operations assistant"],
     "Supports a marketing team with campaign admin, content scheduling, reporting and "
     "research. Generative tools now draft much of the routine copy and reporting."),
    ("marketing consultant", "at_risk",
     ["marketing adviser", "marketing specialist", "marketing analyst", "marketeer"],
     "Plans and evaluates marketing campaigns and advises organisations on how to reach "
     "their customers."),
    ("translator", "at_risk",
     ["technical translator", "literary translator", "post-editor", "business translator",
      "medical translator"],
     "Translates written documents from one language into another, keeping meaning, tone "
     "and terminology. Machine translation now produces many first drafts."),
    ("proofreader", "at_risk",
     ["proof reader", "proof reading clerk"],
     "Checks texts before publication for spelling, grammar, consistency and layout errors."),
    ("data entry clerk", "at_risk",
     ["data entry operator", "data entry officer", "data-entry clerk"],
     "Keys in, checks and updates records in databases and business systems."),
    ("bookkeeper", "at_risk",
     ["bookkeeping clerk", "accounts clerk", "accounting clerk", "book-keeper",
      "accounting technician"],
     "Records an organisation's day-to-day financial transactions and keeps its ledgers "
     "balanced for the accountant."),
    ("payroll clerk", "at_risk",
     ["payroll administrator", "payroll officer", "wages clerk", "payroll technician"],
     "Calculates and processes staff pay, deductions and timesheets, and answers pay queries."),
    ("receptionist", "at_risk",
     ["front desk receptionist", "office receptionist", "medical receptionist",
      "corporate receptionist", "front desk agent"],
     "Greets visitors, answers calls and manages bookings at an organisation's front desk."),
    # Safer targets reachable from them.
    ("ICT help desk agent", "safer",
     ["IT help desk agent", "IT help desk advisor", "ICT service desk agent", "ICT helpdesk agent"],
     "Helps staff or customers fix problems with computers, software and accounts, by phone, "
     "chat or in person, and escalates what they cannot solve."),
    ("data analyst", "safer",
     ["data warehouse analyst", "data warehousing analyst"],
     "Cleans, combines and analyses data to answer business questions, and presents the "
     "results in reports and dashboards."),
    ("search engine optimisation expert", "safer",
     ["SEO specialist", "SEO expert", "search engine optimization expert",
      "search engine marketing specialist", "inbound marketer"],
     "Improves how websites rank in search results through content, site structure and "
     "analytics, and measures what works."),
    ("user experience analyst", "safer",
     ["usability analyst", "user experience officer"],
     "Studies how people use a product or service, through interviews and testing, and "
     "recommends changes that make it easier to use."),
    ("ICT project manager", "safer",
     ["IT project manager", "web project manager"],
     "Plans and coordinates technology projects, keeping scope, budget, people and risks "
     "on track."),
    ("healthcare assistant", "safer",
     ["health care assistant", "patient care assistant", "elderly care assistant",
      "resident care assistant"],
     "Supports nurses by caring for patients' daily needs, taking basic observations and "
     "keeping patients comfortable."),
    ("home care aide", "safer",
     ["personal care worker", "personal care provider", "live in caregiver",
      "personal care attendant"],
     "Helps older or disabled people live independently at home with personal care, meals "
     "and daily tasks."),
    ("primary school teaching assistant", "safer",
     ["teaching assistant in primary schools", "primary school TA", "primary school assistant"],
     "Supports a primary school teacher in class, working with individual pupils and small "
     "groups and helping with lesson preparation."),
    ("electrician", "safer",
     ["installation electrician", "maintenance electrician", "electrical installer",
      "electrical maintenance technician"],
     "Installs, inspects and repairs electrical wiring and equipment in buildings, "
     "following safety regulations."),
    ("plumber", "safer",
     ["domestic plumber", "commercial plumber", "gas fitter"],
     "Installs and repairs water supply, drainage and heating pipework and fittings in "
     "homes and businesses."),
    ("career guidance advisor", "safer",
     ["careers advisor", "career coach", "careers officer", "career guidance practitioner"],
     "Helps people choose a career, plan training and look for work, using interviews and "
     "assessments."),
    ("consumer rights advisor", "safer",
     ["consumer rights adviser", "trading standards officer", "legal services adviser"],
     "Advises members of the public on their rights as consumers and helps them resolve "
     "complaints with businesses."),
    ("civil service administrative officer", "safer",
     ["government administrative officer", "local authority administrator",
      "public administrative officer"],
     "Runs administrative processes in a public body: records, correspondence, enquiries "
     "and support for policy teams."),
]

MAX_SKILL_ALT_LABELS = 6
# Alt labels that must survive trimming (they make search by tool or brand name work).
PRIORITY_ALT_LABELS = {"Microsoft Office Excel", "Google Sheets", "LibreOffice Calc"}
MIN_OPTIONAL_PER_OCCUPATION = 3


def read(name):
    with open(ESCO / name, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


def write(name, header, rows):
    # ESCO's own files use CRLF between records and bare LF inside multi-value cells.
    with open(HERE / name, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=header, lineterminator="\r\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in header})


def main():
    occ_header, occ_rows = read("occupations_en.csv")
    skill_header, skill_rows = read("skills_en.csv")
    rel_header, rel_rows = read("occupationSkillRelations.csv")
    isco_header, isco_rows = read("ISCOGroups_en.csv")

    occ_by_label = {r["preferredLabel"]: r for r in occ_rows}
    chosen = []
    for label, role, alts, description in OCCUPATIONS:
        row = occ_by_label[label]
        real_alts = row["altLabels"].split("\n")
        missing = [a for a in alts if a not in real_alts]
        assert not missing, f"{label}: not real ESCO alt labels: {missing}"
        chosen.append((row, role, alts, description))
    chosen_uris = {row["conceptUri"] for row, *_ in chosen}
    role_of = {row["conceptUri"]: role for row, role, *_ in chosen}

    rels = [r for r in rel_rows if r["occupationUri"] in chosen_uris]
    global_count = collections.Counter(r["skillUri"] for r in rel_rows)
    skills = {r["skillUri"] for r in rels if r["relationType"] == "essential"}
    # Optional skills that link an at-risk occupation to a safer one, or recur across three or
    # more chosen occupations: overlap is what makes a transition viable.
    optional_roles = collections.defaultdict(set)
    optional_count = collections.Counter()
    for r in rels:
        if r["relationType"] == "optional":
            optional_roles[r["skillUri"]].add(role_of[r["occupationUri"]])
            optional_count[r["skillUri"]] += 1
    skills |= {s for s, roles in optional_roles.items() if len(roles) == 2 or optional_count[s] >= 3}
    # A few optional skills for every occupation, the most widely used ones first.
    for uri in sorted(chosen_uris):
        mine = [r for r in rels if r["occupationUri"] == uri and r["relationType"] == "optional"]
        have = sum(1 for r in mine if r["skillUri"] in skills)
        for r in sorted(mine, key=lambda r: (-global_count[r["skillUri"]], r["skillUri"])):
            if have >= MIN_OPTIONAL_PER_OCCUPATION:
                break
            if r["skillUri"] not in skills:
                skills.add(r["skillUri"])
                have += 1
    kept_rels = [r for r in rels if r["skillUri"] in skills]

    out_occ = []
    for row, _role, alts, description in chosen:
        out_occ.append({**row, "altLabels": "\n".join(alts), "hiddenLabels": "", "scopeNote": "",
                        "definition": "", "description": description})
    out_occ.sort(key=lambda r: r["conceptUri"])

    out_skills = []
    for row in skill_rows:
        if row["conceptUri"] not in skills:
            continue
        alts = [a for a in row["altLabels"].split("\n") if a and a != row["preferredLabel"]]
        priority = [a for a in alts if a in PRIORITY_ALT_LABELS]
        others = [a for a in alts if a not in PRIORITY_ALT_LABELS]
        alts = priority + others[: max(0, MAX_SKILL_ALT_LABELS - len(priority))]
        out_skills.append({**row, "altLabels": "\n".join(alts), "hiddenLabels": "",
                           "scopeNote": "", "definition": "", "description": ""})
    assert len(out_skills) == len(skills)

    codes = set()
    for row, *_ in chosen:
        group = row["iscoGroup"]
        codes |= {group[:n] for n in range(1, len(group) + 1)}
    out_isco = [{**r, "description": ""} for r in isco_rows if r["code"] in codes]
    assert len(out_isco) == len(codes)

    write("occupations_en.csv", occ_header, out_occ)
    write("skills_en.csv", skill_header, out_skills)
    write("occupationSkillRelations.csv", rel_header, kept_rels)
    write("ISCOGroups_en.csv", isco_header, out_isco)

    with open(DATA / "risk" / "nesta_mcc_risk_All_occupations.csv", newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        risk_header = reader.fieldnames
        risk_rows = [r for r in reader if r["concept_uri"] in chosen_uris]
    with open(HERE / "risk_nesta.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=risk_header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(risk_rows)

    risk_by_uri = {r["concept_uri"]: r["risk"] for r in risk_rows}
    for row, role, *_ in chosen:
        print(f"{role:8} {row['preferredLabel']:45} risk={risk_by_uri.get(row['conceptUri'], '-')}")
    essential = sum(1 for r in kept_rels if r["relationType"] == "essential")
    print(f"occupations={len(out_occ)} skills={len(out_skills)} relations={len(kept_rels)} "
          f"(essential={essential}) isco_groups={len(out_isco)} risk_rows={len(risk_rows)}")


if __name__ == "__main__":
    main()
