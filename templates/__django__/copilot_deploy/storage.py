"""Static files storage: Django's hashed names, one manifest per version of the code, and a gzip copy of each
text file for nginx to send as it is.

Every version of the app collects onto the same volume, and tasks of two versions serve side by side during a
rolling deploy or a rollback. Hashed names are safe to share: a name holds one content. Django's one manifest,
staticfiles.json, is not: a worker of version A that restarts after version B collected would read B's manifest and
answer 500 for every page using a file B lacks. So each version writes and reads its own,
staticfiles.<fingerprint>.json, the fingerprint being that of the sources it collects (static_sources_fingerprint).
"""
import functools
import gzip
import hashlib
import inspect
import os
import sys
from urllib.parse import unquote, urlsplit

import django
from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage

# The types nginx.conf compresses (gzip_types), by extension.
COMPRESSIBLE = {".css", ".js", ".mjs", ".map", ".json", ".svg", ".txt", ".xml"}
# As nginx's gzip_min_length: below this, the gzip header costs more than it saves.
MIN_SIZE = 256
# collectstatic's default ignore patterns (the staticfiles app's), for a project without that app.
DEFAULT_IGNORE_PATTERNS = ["CVS", ".*", "*~"]
# Hex digits of the fingerprint in a manifest's name: 64 bits tell the versions of one app apart.
MANIFEST_FINGERPRINT_LENGTH = 16


def static_sources_fingerprint(storage_class):
    """A hash of every file the static finders offer (name and content), and of what else shapes the output.

    Content, not modification times: an image rebuilt from the same code has new times and the same files, hence
    the same manifest. Two processes of one image always agree; any change to a static file, to Django, to
    STATIC_URL or to the storage's code gives another fingerprint, hence another manifest.
    """
    lines = [f"Django {django.get_version()}, {storage_class.__module__}.{storage_class.__qualname__}, {settings.STATIC_URL}"]
    # The storage's own code too: a storage that writes other files (this module) must collect again.
    with open(inspect.getsourcefile(storage_class), "rb") as file:
        lines.append(hashlib.sha256(file.read()).hexdigest())
    # The patterns collectstatic ignores by default (CVS, .*, *~), so the fingerprint sees what it copies.
    if apps.is_installed("django.contrib.staticfiles"):
        ignore_patterns = apps.get_app_config("staticfiles").ignore_patterns
    else:
        ignore_patterns = DEFAULT_IGNORE_PATTERNS
    sources = []
    for finder_index, finder in enumerate(get_finders()):
        for path, storage in finder.list(ignore_patterns):
            prefixed = os.path.join(storage.prefix, path) if getattr(storage, "prefix", None) else path
            sources.append((prefixed, finder_index, path, storage))
    # Sorted: the order of a folder listing is not guaranteed. Among equal names the first finder's file comes
    # first, the one collectstatic copies.
    for prefixed, _finder_index, path, storage in sorted(sources, key=lambda source: source[:2]):
        content = hashlib.sha256()
        with storage.open(path) as file:
            for chunk in iter(lambda: file.read(1 << 20), b""):
                content.update(chunk)
        lines.append(f"{prefixed} {content.hexdigest()}")
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def same_content(path, content):
    """Whether the file at `path` holds `content` (a Django File), read a chunk at a time."""
    if os.path.getsize(path) != content.size:
        return False
    with open(path, "rb") as file:
        return all(file.read(len(chunk)) == chunk for chunk in content.chunks())


class MissingStaticFile(ValueError):
    """Django's "The file ... could not be found" error, knowing which file: `name`, a static file path."""

    def __init__(self, message, name):
        super().__init__(message)
        self.name = name


class CompressedManifestStaticFilesStorage(ManifestStaticFilesStorage):
    """ManifestStaticFilesStorage with a manifest per version, and `<name>.gz` next to each CSS, JavaScript... file.

    Each version of the code reads and writes its own manifest, staticfiles.<fingerprint>.json (see the module's
    docstring). A process computes its fingerprint once, when it first needs the manifest (a worker's first page
    with a static file): it reads the static sources of the image, about 15 ms for Django's admin.

    collectstatic never takes a file away from another version: hashed files and the manifest are replaced in one
    step (written aside, then renamed), never deleted first, so a task of another version serving the same hashed
    name never finds it missing. The unhashed names get this version's content even where collectstatic's copy
    skipped them as "unmodified" (a rollback: the other version's copies are newer than these sources).

    nginx (gzip_static) sends the .gz copy to clients that accept gzip instead of compressing the file again on
    every request: compressing a stylesheet costs it more than sending it. The copies are made once, by the
    collectstatic of a deploy, at the highest level.

    A stylesheet or script that names a file the project does not ship (a vendored bootstrap.min.css and its
    sourceMappingURL, a url() to a font left out) does not fail collectstatic, as it does with Django's storage:
    the reference stays as written, unhashed, and collectstatic says so on stderr. Only those references: a missing
    file anywhere else (a template's {% static %}, at run time) fails as with Django's storage.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # (referring file, missing file) pairs collectstatic was told about.
        self.missing_references = set()
        # While post-processing: files are replaced in one step, never deleted first (_save, delete).
        self.replacing = False
        # The names whose content post-processing replaced: their gzip copies are made again.
        self.replaced = set()

    @functools.cached_property
    def sources_fingerprint(self):
        return static_sources_fingerprint(type(self))

    @property
    def manifest_name(self):
        """This version's manifest (Django's ManifestFilesMixin reads and writes the file of this name)."""
        return f"staticfiles.{self.sources_fingerprint[:MANIFEST_FINGERPRINT_LENGTH]}.json"

    def post_process(self, paths, dry_run=False, **options):
        self.missing_references = set()
        # dry_run by keyword: ManifestFilesMixin.post_process reads it from its keyword arguments only, and would
        # otherwise save the empty manifest of a dry run over this version's.
        if dry_run:
            yield from super().post_process(paths, dry_run=True, **options)
            return
        final_names = {}
        self.replacing, self.replaced = True, set()
        try:
            for name, hashed_name, processed in super().post_process(paths, dry_run=False, **options):
                if not isinstance(processed, Exception):
                    final_names[name] = hashed_name
                yield name, hashed_name, processed
            self.restore_unhashed_names(paths)
        finally:
            self.replacing = False
        # Both names: templates link the hashed one, but the original stays reachable under its own.
        for name in {*paths, *final_names.values()}:
            self.write_gzip_copy(name, again=name in self.replaced)

    def restore_unhashed_names(self, paths):
        """Gives each unhashed name this version's content; `paths` maps each name to its (source storage, path).

        collectstatic copies a file only when its source is newer than the copy on the volume. After a rollback
        (A, then B, then A again) B's copies are newer than A's sources, so they would stay.
        """
        restored = 0
        for name, (storage, path) in paths.items():
            if os.path.islink(self.path(name)):
                continue  # collectstatic --link: the name points at the source itself
            with storage.open(path) as source:
                self._save(name, source)
            restored += name in self.replaced
        if restored:
            files = "file" if restored == 1 else "files"
            sys.stdout.write(f"{restored} unhashed static {files} held another version's content: rewritten with this one's.\n")

    def _save(self, name, content):
        if not (self.replacing and self.exists(name)):
            return super()._save(name, content)
        path = self.path(name)
        if same_content(path, content):
            return name  # nothing to write, and the gzip copy stays valid
        # Written aside (a dot file, which nginx does not serve), then renamed over the old file in one step.
        directory, base = os.path.split(name)
        aside = super()._save(os.path.join(directory, f".{base}.{os.getpid()}.tmp"), content)
        os.replace(self.path(aside), path)
        self.replaced.add(name)
        return name

    def delete(self, name):
        # Django's post-processing deletes a hashed file, and the manifest, before saving it again: a request in
        # between (a task of another version, the same hashed name) would get 404. _save replaces them instead.
        if not self.replacing:
            super().delete(name)

    def hashed_name(self, name, content=None, filename=None):
        try:
            return super().hashed_name(name, content, filename)
        except ValueError as error:
            # Django names the file to hash `filename`, else `name`, as a URL path.
            missing = urlsplit(unquote(filename or name)).path.strip()
            if content is None and not self.exists(missing):
                raise MissingStaticFile(str(error), missing) from None
            raise

    def url_converter(self, name, hashed_files, template=None):
        """Django rewrites each reference in a collected file `name` to its hashed name with this converter."""
        convert = super().url_converter(name, hashed_files, template)

        def convert_or_keep(match):
            try:
                return convert(match)
            except MissingStaticFile as missing:
                self.warn_missing(name, missing.name)
                # The whole reference as written (Django 4.2's `matched` group is empty for a CSS sourceMappingURL).
                return match.group(0)

        return convert_or_keep

    def warn_missing(self, referrer, missing):
        # Once per reference: Django converts a file's references again on each post-processing pass.
        if (referrer, missing) in self.missing_references:
            return
        self.missing_references.add((referrer, missing))
        sys.stderr.write(
            f"Warning: {referrer} refers to {missing}, which is not among the static files: "
            "the reference is left as written, unhashed.\n"
        )

    def write_gzip_copy(self, name, again=False):
        """Writes `<name>.gz`; `again`: the file's content was replaced, whatever the modification times say."""
        if os.path.splitext(name)[1].lower() not in COMPRESSIBLE:
            return
        path = self.path(name)
        compressed_path = f"{path}.gz"
        # Up to date: hashed names never change content, and an unchanged original is not copied again.
        if not again and os.path.exists(compressed_path) and os.path.getmtime(compressed_path) >= os.path.getmtime(path):
            return
        with open(path, "rb") as file:
            content = file.read()
        compressed = gzip.compress(content, compresslevel=9, mtime=0)
        if len(content) < MIN_SIZE or len(compressed) >= len(content):
            # Not worth it: nginx sends the file itself (and must not find an older copy).
            if os.path.exists(compressed_path):
                os.remove(compressed_path)
            return
        # Written aside, then renamed: nginx, serving from the same volume, never sees half a file.
        temporary = f"{compressed_path}.{os.getpid()}.tmp"
        with open(temporary, "wb") as file:
            file.write(compressed)
        os.replace(temporary, compressed_path)
