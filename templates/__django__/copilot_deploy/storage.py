"""Static files storage: Django's hashed names, plus a gzip copy of each text file for nginx to send as it is."""
import gzip
import os
import sys
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage

# The types nginx.conf compresses (gzip_types), by extension.
COMPRESSIBLE = {".css", ".js", ".mjs", ".map", ".json", ".svg", ".txt", ".xml"}
# As nginx's gzip_min_length: below this, the gzip header costs more than it saves.
MIN_SIZE = 256


class MissingStaticFile(ValueError):
    """Django's "The file ... could not be found" error, knowing which file: `name`, a static file path."""

    def __init__(self, message, name):
        super().__init__(message)
        self.name = name


class CompressedManifestStaticFilesStorage(ManifestStaticFilesStorage):
    """ManifestStaticFilesStorage that also writes `<name>.gz` next to each CSS, JavaScript, SVG... file.

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

    def post_process(self, paths, dry_run=False, **options):
        self.missing_references = set()
        final_names = {}
        for name, hashed_name, processed in super().post_process(paths, dry_run, **options):
            if not isinstance(processed, Exception):
                final_names[name] = hashed_name
            yield name, hashed_name, processed
        if not dry_run:
            # Both names: templates link the hashed one, but the original stays reachable under its own.
            for name in {*paths, *final_names.values()}:
                self.write_gzip_copy(name)

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

    def write_gzip_copy(self, name):
        if os.path.splitext(name)[1].lower() not in COMPRESSIBLE:
            return
        path = self.path(name)
        compressed_path = f"{path}.gz"
        # Up to date: hashed names never change content, and an unchanged original is not copied again.
        if os.path.exists(compressed_path) and os.path.getmtime(compressed_path) >= os.path.getmtime(path):
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
