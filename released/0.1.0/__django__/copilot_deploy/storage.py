"""Static files storage: Django's hashed names, plus a gzip copy of each text file for nginx to send as it is."""
import gzip
import os

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage

# The types nginx.conf compresses (gzip_types), by extension.
COMPRESSIBLE = {".css", ".js", ".mjs", ".map", ".json", ".svg", ".txt", ".xml"}
# As nginx's gzip_min_length: below this, the gzip header costs more than it saves.
MIN_SIZE = 256


class CompressedManifestStaticFilesStorage(ManifestStaticFilesStorage):
    """ManifestStaticFilesStorage that also writes `<name>.gz` next to each CSS, JavaScript, SVG... file.

    nginx (gzip_static) sends the .gz copy to clients that accept gzip instead of compressing the file again on
    every request: compressing a stylesheet costs it more than sending it. The copies are made once, by the
    collectstatic of a deploy, at the highest level.
    """

    def post_process(self, paths, dry_run=False, **options):
        final_names = {}
        for name, hashed_name, processed in super().post_process(paths, dry_run, **options):
            if not isinstance(processed, Exception):
                final_names[name] = hashed_name
            yield name, hashed_name, processed
        if not dry_run:
            # Both names: templates link the hashed one, but the original stays reachable under its own.
            for name in {*paths, *final_names.values()}:
                self.write_gzip_copy(name)

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
