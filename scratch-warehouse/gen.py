import csv, random, datetime as dt, os
random.seed(20240120)
OUT = os.path.join(os.path.dirname(__file__), '..', 'seeds')

projects = [
  # project_name, display_name, description, github_org, created_at
  ('riverbed-db', 'Riverbed DB', 'Embeddable columnar storage engine', 'riverbed', '2021-03-14'),
  ('lumen-ui', 'Lumen UI', 'Accessible component library for web apps', 'lumen-ui', '2020-07-02'),
  ('kestrel-http', 'Kestrel HTTP', 'Zero-copy HTTP/2 server toolkit', 'kestrel-net', '2019-11-20'),
  ('sparrow-ml', 'Sparrow ML', 'Small-footprint model serving runtime', 'sparrow-ml', '2022-05-09'),
  ('tidepool-sdk', 'Tidepool SDK', 'Client SDKs for the Tidepool data API', 'tidepool', '2022-09-30'),
  ('quartz-cli', 'Quartz CLI', 'Task runner and scaffolding CLI', 'quartz-dev', '2023-01-17'),
  ('harbor-docs', 'Harbor Docs', 'Static documentation site generator', 'harbor-docs', '2021-12-01'),
  ('maple-crypto', 'Maple Crypto', 'Audited primitives for signatures and hashing', 'maple-sec', '2020-02-25'),
]
# repository_id, owner, name, language, license, is_fork, created_at, projects
repos = [
  (481230017, 'riverbed', 'riverbed', 'Rust', 'Apache-2.0', 'false', '2021-03-14 09:12:00', ['riverbed-db']),
  (481230544, 'riverbed', 'riverbed-python', 'Python', 'Apache-2.0', 'false', '2021-08-02 16:40:00', ['riverbed-db']),
  (392017765, 'lumen-ui', 'lumen', 'TypeScript', 'MIT', 'false', '2020-07-02 11:03:00', ['lumen-ui']),
  (392019981, 'lumen-ui', 'lumen-icons', 'TypeScript', 'MIT', 'false', '2020-10-11 08:25:00', ['lumen-ui']),
  (311455120, 'kestrel-net', 'kestrel', 'Go', 'BSD-3-Clause', 'false', '2019-11-20 13:37:00', ['kestrel-http']),
  (311455877, 'kestrel-net', 'kestrel-bench', 'Go', 'BSD-3-Clause', 'false', '2020-04-18 19:01:00', ['kestrel-http']),
  (598340211, 'sparrow-ml', 'sparrow', 'C++', 'Apache-2.0', 'false', '2022-05-09 10:00:00', ['sparrow-ml']),
  (598341006, 'sparrow-ml', 'sparrow-models', 'Python', 'Apache-2.0', 'false', '2022-06-21 14:22:00', ['sparrow-ml']),
  (612004418, 'tidepool', 'tidepool-js', 'TypeScript', 'MIT', 'false', '2022-09-30 07:45:00', ['tidepool-sdk']),
  (612004902, 'tidepool', 'tidepool-py', 'Python', 'MIT', 'false', '2022-10-03 12:10:00', ['tidepool-sdk']),
  (655871230, 'quartz-dev', 'quartz', 'Rust', 'MIT', 'false', '2023-01-17 18:30:00', ['quartz-cli']),
  (455120987, 'harbor-docs', 'harbor', 'JavaScript', 'MIT', 'false', '2021-12-01 09:55:00', ['harbor-docs']),
  (350662781, 'maple-sec', 'maple', 'Rust', 'Apache-2.0', 'false', '2020-02-25 15:15:00', ['maple-crypto']),
  # shared between two projects: the Rust hashing crate is vendored by both
  (350663312, 'maple-sec', 'maple-hash', 'Rust', 'Apache-2.0', 'false', '2020-05-06 10:48:00', ['maple-crypto', 'riverbed-db']),
  # a fork that no project claims
  (701234556, 'jdoe-dev', 'lumen', 'TypeScript', 'MIT', 'true', '2023-06-12 20:05:00', []),
]
collections = [
  ('data-infrastructure', 'Data Infrastructure', 'Storage, serving and data-access projects'),
  ('developer-tools', 'Developer Tools', 'Tools that make building software easier'),
  ('security', 'Security', 'Cryptography and security-critical libraries'),
]
collection_projects = [
  ('data-infrastructure', 'riverbed-db'), ('data-infrastructure', 'sparrow-ml'), ('data-infrastructure', 'tidepool-sdk'),
  ('developer-tools', 'lumen-ui'), ('developer-tools', 'kestrel-http'), ('developer-tools', 'quartz-cli'),
  ('developer-tools', 'riverbed-db'),
  ('security', 'maple-crypto'),
  # harbor-docs is in no collection
]

devs = ['ada-k', 'bkowalski', 'chen-wei', 'dmitri-v', 'ebony-j', 'farah-n', 'gus-lindqvist', 'hiro-t', 'ines-m',
        'jonas-b', 'kemi-o', 'lars-p', 'mei-l', 'nadia-r', 'oscar-q', 'priya-s', 'quinn-x', 'rafael-c',
        'sven-e', 'tomoko-a', 'dependabot[bot]']
dev_ids = {d: 1000100 + i * 37 for i, d in enumerate(devs)}
# core maintainers per repo: (login, daily probability of activity)
core = {
  481230017: [('ada-k', .7), ('bkowalski', .45)], 481230544: [('ada-k', .2), ('chen-wei', .35)],
  392017765: [('dmitri-v', .6), ('ebony-j', .4)], 392019981: [('ebony-j', .2)],
  311455120: [('farah-n', .5), ('gus-lindqvist', .3)], 311455877: [('gus-lindqvist', .15)],
  598340211: [('hiro-t', .55), ('ines-m', .35)], 598341006: [('ines-m', .2)],
  612004418: [('jonas-b', .35)], 612004902: [('kemi-o', .25)],
  655871230: [('lars-p', .4)], 455120987: [('mei-l', .15)],
  350662781: [('nadia-r', .35)], 350663312: [('nadia-r', .25), ('ada-k', .1)],
}
casual = ['oscar-q', 'priya-s', 'quinn-x', 'rafael-c', 'sven-e', 'tomoko-a', 'chen-wei', 'mei-l']
start = dt.datetime(2024, 1, 1)
events = []
def add(ts, etype, login, repo, amount):
    r = next(x for x in repos if x[0] == repo) if repo in [x[0] for x in repos] else None
    name = f'{r[1]}/{r[2]}' if r else 'ghost-org/ghost-repo'
    events.append([ts, etype, login, repo, name, amount])

def ts_on(day, lo=7, hi=23):
    return start + dt.timedelta(days=day, hours=random.randint(lo, hi - 1), minutes=random.randint(0, 59), seconds=random.randint(0, 59))

for day in range(20):
    weekend = (start + dt.timedelta(days=day)).weekday() >= 5
    for repo, maint in core.items():
        for login, p in maint:
            if random.random() < (p * (0.4 if weekend else 1.0)):
                add(ts_on(day), 'COMMIT_CODE', login, repo, random.choice([1, 1, 2, 3, 4, 6]))
                if random.random() < .3:
                    add(ts_on(day), 'PULL_REQUEST_MERGED', login, repo, 1)
    for _ in range(random.randint(3, 7)):
        login = random.choice(casual)
        repo = random.choice(list(core))
        et = random.choices(['ISSUE_OPENED', 'PULL_REQUEST_OPENED', 'STARRED', 'FORKED', 'ISSUE_CLOSED', 'COMMIT_CODE'],
                            [4, 3, 6, 2, 2, 2])[0]
        add(ts_on(day, 0, 24), et, login, repo, random.choice([1, 2]) if et == 'COMMIT_CODE' else 1)
    if day % 3 == 0:
        add(ts_on(day, 2, 5), 'PULL_REQUEST_OPENED', 'dependabot[bot]', random.choice(list(core)), 1)
# a few stars/forks on the unclaimed fork and an event on a repository missing from the directory
add(ts_on(4), 'STARRED', 'quinn-x', 701234556, 1)
add(ts_on(9), 'COMMIT_CODE', 'quinn-x', 701234556, 2)
add(ts_on(12), 'STARRED', 'priya-s', 999000111, 1)

events.sort(key=lambda e: e[0])
rows = []
for i, (ts, et, login, repo, name, amount) in enumerate(events, start=1):
    shown = login.upper() if random.random() < .05 and '[bot]' not in login else login
    rows.append([f'gh-{2024000000 + i * 7}', ts.strftime('%Y-%m-%d %H:%M:%S'), et, dev_ids[login], shown, repo, name, amount])
# replayed deliveries: exact duplicates the staging model must drop
for r in random.sample(rows, 3):
    rows.append(list(r))
rows.sort(key=lambda r: (r[1], r[0]))

def write(name, header, data):
    with open(os.path.join(OUT, name), 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n'); w.writerow(header); w.writerows(data)

write('github_events.csv', ['event_id', 'event_time', 'event_type', 'actor_id', 'actor_login', 'repository_id', 'repository_name', 'amount'], rows)
write('repositories.csv', ['repository_id', 'repository_owner', 'repository_name', 'language', 'license', 'is_fork', 'created_at'],
      [list(r[:7]) for r in repos])
write('projects.csv', ['project_name', 'display_name', 'description', 'github_org', 'created_at'], projects)
write('project_repositories.csv', ['project_name', 'repository_id'], [[p, r[0]] for r in repos for p in r[7]])
write('collections.csv', ['collection_name', 'display_name', 'description'], collections)
write('collection_projects.csv', ['collection_name', 'project_name'], collection_projects)
print(len(rows), 'events')
