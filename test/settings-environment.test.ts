import {
  findEnvironmentReads,
  planSettingsEnvironment,
  type EnvironmentPlanInput,
  type EnvironmentRead,
} from '../generators/shared/settings-environment.js';

/** [name, required, line] per read, in the order returned. */
type Expected = Array<[string, boolean, number]>;

const reads = (text: string) => findEnvironmentReads([{ file: 'settings.py', text }]).map(({ name, required, line }) => [name, required, line]);

describe('findEnvironmentReads', () => {
  test.each<[string, string, Expected]>([
    [
      'os.environ.get without a default is required: the settings split the None it returns',
      'import os\n\nALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS").split(" ")\n',
      [['DJANGO_ALLOWED_HOSTS', true, 3]],
    ],
    [
      'os.environ[...] is required; .get with a default, positional or keyword, is optional',
      'import os\nSECRET_KEY = os.environ["SECRET_KEY"]\nDEBUG = int(os.environ.get("DEBUG", default=0))\nTZ = os.environ.get("TZ", "UTC")\n',
      [['SECRET_KEY', true, 2], ['DEBUG', false, 3], ['TZ', false, 4]],
    ],
    [
      'os.getenv follows the same rule, and a value after `or` is a default',
      "import os\nA = os.getenv('A')\nB = os.getenv('B', '')\nC = os.getenv('C') or get_random_secret_key()\nD = os.environ.get('D') or 'x'\n",
      [['A', true, 2], ['B', false, 3], ['C', false, 4], ['D', false, 5]],
    ],
    [
      'setdefault is optional; setting a variable or DJANGO_SETTINGS_MODULE is no read',
      "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\nos.environ.setdefault('LANG', 'C.UTF-8')\nos.environ['HTTPS'] = 'on'\nX = os.environ['DJANGO_SETTINGS_MODULE']\n",
      [['LANG', false, 3]],
    ],
    [
      'environ and getenv imported from os',
      'from os import environ, getenv as env_var\nA = environ["A"]\nB = environ.get("B")\nC = env_var("C", "c")\n',
      [['A', true, 2], ['B', true, 3], ['C', false, 4]],
    ],
    [
      'os under another name',
      'import os as _os\nA = _os.environ["A"]\nB = _os.getenv("B")\n',
      [['A', true, 2], ['B', true, 3]],
    ],
    [
      "python-decouple's config: a default makes it optional, a cast alone does not",
      "from decouple import config, Csv\nSECRET_KEY = config('SECRET_KEY')\nDEBUG = config('DEBUG', default=False, cast=bool)\nALLOWED_HOSTS = config('ALLOWED_HOSTS', cast=Csv())\nPORT = config('PORT', 8000, cast=int)\n",
      [['SECRET_KEY', true, 2], ['DEBUG', false, 3], ['ALLOWED_HOSTS', true, 4], ['PORT', false, 5]],
    ],
    [
      "decouple's AutoConfig under a name of the project's",
      "from decouple import AutoConfig\nsettings_config = AutoConfig(search_path=BASE_DIR)\nSECRET_KEY = settings_config('SECRET_KEY')\n",
      [['SECRET_KEY', true, 3]],
    ],
    [
      "django-environ: the schema's default makes DEBUG optional; env.db() reads DATABASE_URL",
      "import environ\nenv = environ.Env(DEBUG=(bool, False))\nenviron.Env.read_env(BASE_DIR / '.env')\nDEBUG = env('DEBUG')\nSECRET_KEY = env('SECRET_KEY')\nDATABASES = {'default': env.db()}\n",
      [['DEBUG', false, 4], ['SECRET_KEY', true, 5], ['DATABASE_URL', true, 6]],
    ],
    [
      'django-environ: a schema entry without a default leaves the read required',
      "import environ\nenv = environ.Env(\n    # casting only\n    DEBUG=bool,\n    PORT=(int,),\n)\nDEBUG = env('DEBUG')\nPORT = env('PORT')\n",
      [['DEBUG', true, 7], ['PORT', true, 8]],
    ],
    [
      "django-environ's methods, by where their default sits",
      [
        'from environ import Env',
        'ENV = Env()',
        'A = ENV.str("A")',
        'B = ENV.str("B", "b")',
        'C = ENV("C", str)',
        'D = ENV("D", str, "d")',
        'E = ENV.list("E", str)',
        'F = ENV.list("F", default=[])',
        'G = ENV.bool("G", default=False)',
        'CACHES = {"default": ENV.cache()}',
        'EMAIL = ENV.email_url("SMTP_URL", default="smtp://localhost")',
        'ENV.read_env()',
      ].join('\n'),
      [['A', true, 3], ['B', false, 4], ['C', true, 5], ['D', false, 6], ['E', true, 7], ['F', false, 8], ['G', false, 9], ['CACHE_URL', true, 10], ['SMTP_URL', false, 11]],
    ],
    [
      'a call over several lines, at the line it starts',
      'import os, environ\nenv = environ.Env()\nDATABASES = {\n    "default": env.db(\n        "DATABASE_URL",\n        default="sqlite:///db.sqlite3",\n    )\n}\nREDIS = os.environ.get(\n    "REDIS_URL"\n)\n',
      [['DATABASE_URL', false, 4], ['REDIS_URL', true, 9]],
    ],
    [
      'reads in comments are none',
      '# SECRET_KEY = os.environ["OLD_SECRET"]\nimport os\nDEBUG = True  # os.environ["DEBUG"]\n#A = os.getenv("A")\nB = os.getenv("B")\n',
      [['B', true, 5]],
    ],
    [
      "reads in strings and docstrings are none, and a '#' in a string starts no comment",
      '"""Production settings.\n\nSet os.environ["SECRET_KEY"] before you start.\n"""\nimport os\nHELP = "use os.getenv(\'X\')"\nSEPARATOR = "#"; KEY = os.environ["API_KEY"]\nNOTE = f"{os.environ[\'Y\']}"\n',
      [['API_KEY', true, 7]],
    ],
    [
      'names computed at run time are skipped',
      'import os\nfor key in KEYS:\n    os.environ[key]\nA = os.getenv(f"{PREFIX}_HOST")\nB = os.environ["A_" + suffix]\nC = os.environ.get(name, "")\n',
      [],
    ],
    [
      'a read only tested for being set has a default: None is false',
      "import os\nif os.environ.get('GITHUB_WORKFLOW'):\n    X = 1\nY = not os.getenv('CI') and 2\nZ = os.getenv('Z')\n",
      [
        ['GITHUB_WORKFLOW', false, 2],
        ['CI', false, 4],
        ['Z', true, 5],
      ],
    ],
    [
      'a read guarded by a membership test has a default',
      "import os\nALLOWED_HOSTS = [os.environ['WEBSITE_HOSTNAME']] if 'WEBSITE_HOSTNAME' in os.environ else []\nNAME = os.environ['AZURE_POSTGRESQL_NAME']\nif 'REDIS' in os.environ:\n    CACHE = os.environ['REDIS']\n",
      [
        ['WEBSITE_HOSTNAME', false, 2],
        ['AZURE_POSTGRESQL_NAME', true, 3],
        ['REDIS', false, 5],
      ],
    ],
    [
      'look-alikes that read no environment',
      'from os import environ\nfrom myproject.utils import config\nenv = {}\nA = env["A"]\nB = CONFIG.get("B")\nC = config("C")\nD = request.environ.get("HTTP_HOST")\nE = self.environ["E"]\n',
      [],
    ],
  ])('%s', (_, text, expected) => {
    expect(reads(text)).toEqual(expected);
  });

  test('one entry per name across the settings package, at the read that makes it required', () => {
    const found = findEnvironmentReads([
      { file: 'config/settings/base.py', text: 'import environ\nenv = environ.Env()\nREDIS_URL = env("REDIS_URL", default="redis://redis:6379/0")\nDEBUG = env.bool("DJANGO_DEBUG", False)\n' },
      {
        file: 'config/settings/production.py',
        text: 'from .base import *  # noqa\nfrom .base import env\n\nSECRET_KEY = env("DJANGO_SECRET_KEY")\nALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["example.com"])\nCACHES = {"default": {"LOCATION": env("REDIS_URL")}}\n',
      },
    ]);
    expect(found).toEqual<EnvironmentRead[]>([
      { name: 'DJANGO_DEBUG', file: 'config/settings/base.py', line: 4, required: false },
      { name: 'DJANGO_SECRET_KEY', file: 'config/settings/production.py', line: 4, required: true },
      { name: 'DJANGO_ALLOWED_HOSTS', file: 'config/settings/production.py', line: 5, required: false },
      { name: 'REDIS_URL', file: 'config/settings/production.py', line: 6, required: true },
    ]);
  });
});

const input: EnvironmentPlanInput = { domain: 'example.com', https: true, provided: ['DJANGO_SECRET_KEY', 'DB_SECRET', 'DJANGO_HTTPS', 'COPILOT_*'] };

/** Where one read ends up: a variable's value, a secret's parameter, undecided, or nothing. */
function placed(name: string, required: boolean, planInput = input): string {
  const plan = planSettingsEnvironment([{ name, file: 'settings.py', line: 1, required }], planInput);
  const variable = plan.variables.find((entry) => entry.name === name);
  const secret = plan.secrets.find((entry) => entry.name === name);
  if (variable) return `variable ${variable.value}`;
  if (secret) return `secret ${secret.parameter}`;
  return plan.undecided.some((entry) => entry.name === name) ? 'undecided' : 'nothing';
}

const inputs: Record<string, EnvironmentPlanInput> = {
  'example.com over HTTPS': input,
  'example.com over HTTP': { ...input, https: false },
  'no domain, nothing provided': { domain: '', https: false, provided: [] },
};

describe('planSettingsEnvironment', () => {
  test.each<[string, boolean, string, string]>([
    ['SECRET_KEY', true, 'example.com over HTTPS', 'secret DJANGO_SECRET_KEY'],
    ['SECRET_KEY', false, 'example.com over HTTPS', 'secret DJANGO_SECRET_KEY'],
    ['MYSITE_DJANGO_SECRET_KEY', false, 'example.com over HTTPS', 'secret DJANGO_SECRET_KEY'],
    ['DJANGO_SECRET_KEY', true, 'example.com over HTTPS', 'nothing'],
    ['DJANGO_SECRET_KEY', true, 'no domain, nothing provided', 'secret DJANGO_SECRET_KEY'],
    ['STRIPE_SECRET_KEY', true, 'example.com over HTTPS', 'secret STRIPE_SECRET_KEY'],
    ['STRIPE_SECRET_KEY', false, 'example.com over HTTPS', 'nothing'],
    ['DB_PASSWORD', true, 'example.com over HTTPS', 'variable placeholder'],
    ['POSTGRES_DB', true, 'example.com over HTTPS', 'variable placeholder'],
    ['SQL_ENGINE', true, 'example.com over HTTPS', 'variable django.db.backends.postgresql'],
    ['SQL_PORT', true, 'example.com over HTTPS', 'variable 5432'],
    ['DATABASE_HOST', true, 'example.com over HTTPS', 'variable localhost'],
    ['AZURE_POSTGRESQL_NAME', true, 'example.com over HTTPS', 'variable placeholder'],
    ['DB_PASSWORD', false, 'example.com over HTTPS', 'nothing'],
    ['REDIS_PASSWORD', true, 'example.com over HTTPS', 'secret REDIS_PASSWORD'],
    ['SMTP_PASSWD', true, 'example.com over HTTPS', 'secret SMTP_PASSWD'],
    ['GITHUB_TOKEN', true, 'example.com over HTTPS', 'secret GITHUB_TOKEN'],
    ['SENDGRID_API_KEY', true, 'example.com over HTTPS', 'secret SENDGRID_API_KEY'],
    ['JWT_PRIVATE_KEY', true, 'example.com over HTTPS', 'secret JWT_PRIVATE_KEY'],
    ['AWS_ACCESS_KEY_ID', true, 'example.com over HTTPS', 'secret AWS_ACCESS_KEY_ID'],
    ['GOOGLE_CREDENTIALS', true, 'example.com over HTTPS', 'secret GOOGLE_CREDENTIALS'],
    ['MAPS_KEY', true, 'example.com over HTTPS', 'secret MAPS_KEY'],
    ['SENTRY_DSN', true, 'example.com over HTTPS', 'secret SENTRY_DSN'],
    ['sentry_dsn', true, 'example.com over HTTPS', 'secret sentry_dsn'],
    ['SENTRY_DSN', false, 'example.com over HTTPS', 'nothing'],
    ['DEBUG', true, 'example.com over HTTPS', 'variable 0'],
    ['DEBUG', false, 'example.com over HTTPS', 'variable 0'],
    ['DJANGO_DEBUG', false, 'example.com over HTTPS', 'variable 0'],
    ['TEMPLATE_DEBUG', true, 'example.com over HTTPS', 'variable 0'],
    ['DEBUG_TOOLBAR', true, 'example.com over HTTPS', 'undecided'],
    ['DJANGO_ALLOWED_HOSTS', true, 'example.com over HTTPS', 'variable example.com'],
    ['ALLOWED_HOSTS', true, 'no domain, nothing provided', 'variable localhost'],
    ['ALLOWED_HOSTS', false, 'example.com over HTTPS', 'variable example.com'],
    ['CSRF_TRUSTED_ORIGINS', true, 'example.com over HTTPS', 'variable https://example.com'],
    ['DJANGO_CSRF_TRUSTED_ORIGINS', true, 'example.com over HTTP', 'variable http://localhost'],
    ['CSRF_TRUSTED_ORIGINS', true, 'no domain, nothing provided', 'variable http://localhost'],
    ['CSRF_TRUSTED_ORIGINS', false, 'example.com over HTTPS', 'nothing'],
    ['DATABASE_URL', true, 'example.com over HTTPS', 'variable postgres://placeholder@localhost:5432/placeholder'],
    ['DATABASE_URL', false, 'example.com over HTTPS', 'nothing'],
    ['REDIS_URL', true, 'example.com over HTTPS', 'undecided'],
    ['REDIS_URL', false, 'example.com over HTTPS', 'nothing'],
    ['DJANGO_HTTPS', true, 'example.com over HTTPS', 'nothing'],
    ['COPILOT_SERVICE_NAME', true, 'example.com over HTTPS', 'nothing'],
    ['COPILOT', true, 'example.com over HTTPS', 'undecided'],
  ])('%s, required: %s, %s → %s', (name, required, inputName, expected) => {
    expect(placed(name, required, inputs[inputName])).toBe(expected);
  });

  test('the DATABASE_URL placeholder parses as PostgreSQL and says the database comes from DB_SECRET', () => {
    const [variable] = planSettingsEnvironment([{ name: 'DATABASE_URL', file: 'settings.py', line: 1, required: true }], input).variables;
    const url = new URL(variable.value);
    expect([url.protocol, url.hostname, url.port, url.pathname]).toEqual(['postgres:', 'localhost', '5432', '/placeholder']);
    expect(variable.why).toMatch(/DB_SECRET/);
  });

  test('a whole settings file: each list sorted by name, undecided reads kept as read', () => {
    const settings = [
      'from decouple import config, Csv',
      "SECRET_KEY = config('SECRET_KEY')",
      "DEBUG = config('DEBUG', default=False, cast=bool)",
      "ALLOWED_HOSTS = config('ALLOWED_HOSTS', cast=Csv())",
      "STRIPE_API_KEY = config('STRIPE_API_KEY')",
      "MAILGUN_DOMAIN = config('MAILGUN_DOMAIN')",
      "AWS_STORAGE_BUCKET_NAME = config('AWS_STORAGE_BUCKET_NAME')",
      "EMAIL_HOST_PASSWORD = config('EMAIL_HOST_PASSWORD', default='')",
    ].join('\n');
    const plan = planSettingsEnvironment(findEnvironmentReads([{ file: 'shop/settings.py', text: settings }]), input);
    expect(plan.variables.map(({ name, value }) => [name, value])).toEqual([
      ['ALLOWED_HOSTS', 'example.com'],
      ['DEBUG', '0'],
    ]);
    expect(plan.secrets.map(({ name, parameter }) => [name, parameter])).toEqual([
      ['SECRET_KEY', 'DJANGO_SECRET_KEY'],
      ['STRIPE_API_KEY', 'STRIPE_API_KEY'],
    ]);
    expect(plan.undecided).toEqual<EnvironmentRead[]>([
      { name: 'AWS_STORAGE_BUCKET_NAME', file: 'shop/settings.py', line: 7, required: true },
      { name: 'MAILGUN_DOMAIN', file: 'shop/settings.py', line: 6, required: true },
    ]);
    expect(plan.variables.find(({ name }) => name === 'DEBUG')?.why).toBe('DEBUG is off in the cloud');
  });
});
