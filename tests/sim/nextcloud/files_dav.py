"""WebDAV on /remote.php/dav/files/<user>/ (42-52, 77, 80): MKCOL, PUT, GET, DELETE and
PROPFIND depth 0/1 with the oc:/nc: properties Nextcloud returns."""
from urllib.parse import unquote

import dav_xml as X
from model import md5
from simbase import Response

FILE_PROPS = [(X.DAV, "resourcetype"), (X.DAV, "getetag"), (X.DAV, "getlastmodified"),
              (X.DAV, "getcontentlength"), (X.DAV, "getcontenttype"), (X.OC, "fileid"),
              (X.OC, "permissions"), (X.OC, "size")]
INSTANCE = "oc21zbug1i5h"


def oc_fileid(fileid):
    return "%08d%s" % (fileid, INSTANCE)


def share_permissions(perms, is_dir):
    """The DAV permission string of a received share (51: 15 -> SGDNVCK)."""
    out = "S"
    if perms & 16:
        out += "R"
    out += "G"
    if perms & 8:
        out += "D"
    out += "NV"
    if not is_dir and perms & 2:
        out += "W"
    if is_dir and perms & 4:
        out += "CK"
    return out


class FilesDav:
    def __init__(self, state):
        self.state = state

    def handle(self, req, user, owner, path):
        """`owner`'s tree, `path` like "" or "/Coop Shared" (decoded, no trailing slash)."""
        s = self.state
        if owner not in s.files:
            return X.sabre_error(404, "Sabre\\DAV\\Exception\\NotFound",
                                 "Principal with name %s not found" % owner)
        tree = s.files[owner]
        m = req.method
        if m == "PROPFIND":
            return self.propfind(req, user, owner, path)
        if owner != user:
            return X.sabre_error(403, "Sabre\\DAV\\Exception\\Forbidden", "Access denied")
        parent = path.rsplit("/", 1)[0] if path else None
        if m == "MKCOL":
            if path in tree:
                return X.already_exists()
            if parent not in tree or not tree[parent].is_dir:
                return X.sabre_error(409, "Sabre\\DAV\\Exception\\Conflict",
                                     "Parent node does not exist")
            node = s.new_node(True)
            tree[path] = node
            s.touch_parents(owner, path)
            return X.created([("OC-FileId", oc_fileid(node.fileid))])
        if m == "PUT":
            if parent not in tree or not tree[parent].is_dir:
                return X.sabre_error(409, "Sabre\\DAV\\Exception\\Conflict",
                                     "Parent node does not exist")
            existed = path in tree
            node = tree[path] if existed else s.new_node(False)
            node.content = req.body
            node.touch()
            node.etag = md5(req.body + str(node.mtime).encode())
            tree[path] = node
            s.touch_parents(owner, path)
            headers = [("OC-FileId", oc_fileid(node.fileid)), ("ETag", '"%s"' % node.etag),
                       ("OC-ETag", '"%s"' % node.etag)]
            return X.no_content(headers) if existed else X.created(headers)
        if m == "GET":
            node = tree.get(path)
            if node is None or node.is_dir:
                return X.sabre_error(404, "Sabre\\DAV\\Exception\\NotFound",
                                     "File with name %s could not be located" % path)
            return Response(200, node.content, [("ETag", '"%s"' % node.etag)], "text/plain")
        if m == "DELETE":
            if path not in tree or path == "":
                return X.sabre_error(404, "Sabre\\DAV\\Exception\\NotFound",
                                     "File with name %s could not be located" % path)
            for p in [p for p in tree if p == path or p.startswith(path + "/")]:
                del tree[p]
            for sid in [i for i, sh in s.shares.items()
                        if sh["owner"] == owner and sh["path"] == path]:
                del s.shares[sid]
            s.touch_parents(owner, path)
            return X.no_content()
        return X.sabre_error(501, "Sabre\\DAV\\Exception\\NotImplemented",
                             "There was no plugin in the system that was willing to handle "
                             "this " + m + " method.")

    # --- PROPFIND -----------------------------------------------------------------
    def propfind(self, req, user, owner, path):
        s = self.state
        try:
            props = X.requested_props(req.body, FILE_PROPS)
        except Exception:
            return X.sabre_error(400, "Sabre\\Xml\\ParseException", "invalid XML body")
        depth = (req.header("Depth") or "1").strip()
        entries = self.entries(user, owner)
        if path not in entries:
            return X.sabre_error(404, "Sabre\\DAV\\Exception\\NotFound",
                                 "File with name %s could not be located" % path.lstrip("/"))
        paths = [path]
        if depth != "0" and entries[path]["node"].is_dir:
            prefix = path + "/"
            paths += sorted(p for p in entries if p.startswith(prefix)
                            and "/" not in p[len(prefix):])
            # Nextcloud lists received shares after the user's own entries (51).
            paths.sort(key=lambda p: (p != path, entries[p]["received"] is not None, p))
        out = []
        for p in paths:
            out.append(self.render(user, owner, p, entries[p], props))
        return Response(207, X.multistatus("files", out),
                        [("Vary", "Brief,Prefer"),
                         ("DAV", "1, 3, extended-mkcol, access-control, calendarserver-"
                                 "principal-property-search, nextcloud-checksum-update, "
                                 "nc-calendar-search, nc-enable-birthday-calendar")],
                        X.XML_TYPE)

    def entries(self, user, owner):
        """path -> {"node", "received": [shares] or None} as `owner`'s home looks to `user`."""
        s = self.state
        out = {p: {"node": n, "received": None} for p, n in s.files[owner].items()}
        if owner == user:
            for target, shares in s.received(user).items():
                node = s.files[shares[0]["owner"]].get(shares[0]["path"])
                if node is not None and target not in out:
                    out[target] = {"node": node, "received": shares}
        return out

    def render(self, user, owner, path, entry, props):
        s = self.state
        node = entry["node"]
        foreign = owner != user
        found, missing = [], []
        for ns, name in props:
            value = None
            if (ns, name) == (X.DAV, "resourcetype"):
                value = "<d:collection/>" if node.is_dir else ""
            elif foreign:
                value = None  # 52: another user's home shows only its resourcetype
            elif (ns, name) == (X.DAV, "getetag"):
                value = X.quoted_etag(node.etag)
            elif (ns, name) == (X.DAV, "getlastmodified"):
                value = X.http_date(node.mtime)
            elif (ns, name) == (X.DAV, "getcontentlength") and not node.is_dir:
                value = str(len(node.content))
            elif (ns, name) == (X.DAV, "getcontenttype") and not node.is_dir:
                value = "text/plain"
            elif (ns, name) == (X.OC, "fileid"):
                value = str(node.fileid)
            elif (ns, name) == (X.OC, "permissions"):
                if entry["received"]:
                    perms = 0
                    for sh in entry["received"]:
                        perms |= sh["permissions"]
                    value = share_permissions(perms, node.is_dir)
                else:
                    value = "RGDNVCK" if node.is_dir else "RGDNVW"
            elif (ns, name) == (X.OC, "size"):
                if entry["received"]:
                    size = s.size(entry["received"][0]["owner"], entry["received"][0]["path"])
                else:
                    size = s.size(owner, path)
                if path == "" and owner == user:  # received shares count in the home (51)
                    size += sum(s.size(shares[0]["owner"], shares[0]["path"])
                                for shares in s.received(user).values())
                value = str(size)
            elif (ns, name) == (X.OC, "share-types"):
                own = s.shares_of(owner, path) if not entry["received"] else []
                types = sorted({sh["type"] for sh in own})
                value = "".join("<oc:share-type>%d</oc:share-type>" % t for t in types)
            elif (ns, name) == (X.NC, "sharees"):
                own = s.shares_of(owner, path) if not entry["received"] else []
                value = "".join(
                    "<nc:sharee><nc:id>%s</nc:id><nc:display-name>%s</nc:display-name>"
                    "<nc:type>%d</nc:type></nc:sharee>" % (
                        sh["with"], X.escape(s.groups.get(sh["with"], {}).get(
                            "displayname", sh["with"])), sh["type"])
                    for sh in sorted(own, key=lambda x: x["id"]))
            if value is None:
                missing.append((ns, name))
            else:
                found.append((ns, name, value))
        href = X.href("/remote.php/dav/files/%s%s" % (owner, path or "/"), node.is_dir)
        return X.propstat_response(href, found, missing)


def split_files_path(rest):
    """"alice/Coop%20Shared/" -> ("alice", "/Coop Shared")."""
    owner, _, tail = rest.partition("/")
    path = "/" + unquote(tail).strip("/") if tail.strip("/") else ""
    return unquote(owner), path
