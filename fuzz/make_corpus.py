#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/<target>/ (docs/fuzzing.md). Deterministic: running
it again gives the same files (gzip with mtime 0). Run from anywhere: python3 fuzz/make_corpus.py"""
import gzip
import hashlib
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
TOKEN = "fuzz-token-0123456789"  # fuzz_server.hpp kToken
REPLICA = "fuzz-device"
UUID1 = "01a20758-2e36-710d-9941-dddc611f8cee"
UUID2 = "01a2075a-0c11-7a9e-8d2e-3b0f5c2a9d11"
WALL = 1795411200000


def compact(doc):
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


def gz(data):
    return gzip.compress(data, mtime=0)


def changeset(seq=1, replica=REPLICA, records=None, **extra):
    doc = {"v": 1, "replica": replica, "seq": seq, "schema": 1, "hlc": [WALL, 0]}
    doc.update(extra)
    doc["records"] = records if records is not None else [
        {"c": "inspection", "id": UUID1, "f": {"kind": "production_facility", "status": "draft"}}]
    return doc


def changesets():
    full = changeset(replicas=["replica-a", "replica-b"], records=[
        {"c": "inspection", "id": UUID1, "b": [1795400000000, 3, 1],
         "f": {"status": "signed", "conclusion": "Cơ sở duy trì đầy đủ các tiêu chí.",
               "signed_at": "2026-11-23T09:10:00+07:00"}, "fb": {"signed_at": None}},
        {"c": "finding", "id": UUID2, "f": {"inspection": UUID1, "severity": "minor",
                                            "note": "a \"quoted\" \\ note\n", "_deleted": False}}])
    seeds = {
        "minimal": changeset(),
        "full": full,
        "tombstone": changeset(records=[{"c": "sample", "id": UUID2, "f": {"_deleted": True}}]),
        "structured_values": changeset(records=[{"c": "inspection_amendment", "id": UUID1, "f": {
            "changes": {"a": [1, 2.5, -3, True, None, {"b": "c"}]}, "reason": "x"}}]),
        "max_stamps": changeset(hlc=[(1 << 47) - 1, 65535], replicas=["r"], records=[
            {"c": "inspection", "id": UUID1, "b": [0, 0, 0], "f": {"x": 1}}]),
        "wall_too_big": changeset(hlc=[1 << 47, 0]),
        "version_2": dict(changeset(), v=2),
        "no_records": changeset(records=[]),
        "bad_uuid": changeset(records=[{"c": "inspection", "id": "NOT-A-UUID", "f": {"x": 1}}]),
        "repeated_record": changeset(records=[{"c": "a", "id": UUID1, "f": {"x": 1}},
                                              {"c": "a", "id": UUID1, "f": {"y": 1}}]),
        "replica_index_out_of_range": changeset(records=[
            {"c": "inspection", "id": UUID1, "b": [1, 2, 5], "f": {"x": 1}}]),
        "fb_unknown_field": changeset(replicas=["r"], records=[
            {"c": "inspection", "id": UUID1, "f": {"x": 1}, "fb": {"y": [1, 1, 0]}}]),
        "negative_seq": changeset(seq=-1),
        "bad_replica": changeset(replica="Bad Replica!"),
        "float_seq": changeset(seq=1.5),
    }
    raw = {
        "deep": b"[" * 100 + b"]" * 100,
        "huge_number": b'{"v":1,"replica":"r","seq":1e400,"schema":1,"hlc":[1,0],"records":[]}',
        "escapes": ('{"v":1,"replica":"r","seq":1,"schema":1,"hlc":[1,0],"records":[{"c":"a","id":"'
                    + UUID1 + '","f":{"t":"\\u00e9\\ud83d\\ude00\\u0000"}}]}').encode(),
        "not_object": b'[1,2,3]',
        "truncated": compact(full)[:-7],
    }
    return {**{k: compact(v) for k, v in seeds.items()}, **raw}


def request(changesets_=None, pull=True, units=None, **extra):
    doc = {"v": 1, "replica": REPLICA, "schema": 1, "app": "ocop-field/0.1.0", "hlc": [WALL, 4],
           "changesets": changesets_ if changesets_ is not None else [changeset()]}
    if pull:
        doc["pull"] = {"cursor": 0, "max_cells": 5000, "max_bytes": 1048576}
        if units is not None:
            doc["pull"]["units"] = units
    doc.update(extra)
    return compact(doc)


def sync_requests():
    two = [changeset(1), changeset(2, records=[{"c": "finding", "id": UUID2, "f": {"severity": "major"}}])]
    plain = {
        "pull_only": request([], pull=True),
        "push_one": request(),
        "push_two_pull_units": request(two, units=["unit-1", "unit-2"]),
        "no_pull": request(pull=False),
        "version_2": request(v=2),
        "schema_zero": request(schema=0),
        "bad_changeset": request([{"v": 1}]),
        "pull_not_object": request(pull=False)[:-1] + b',"pull":[1]}',
        "hlc_negative": request(hlc=[-1, 0]),
    }
    out = dict(plain)
    for name in ("pull_only", "push_one", "push_two_pull_units"):
        out[name + ".gz"] = gz(plain[name])
    packed = gz(plain["push_one"])
    out["truncated.gz"] = packed[:-9]
    out["trailing_bytes.gz"] = packed + b"junk"
    out["corrupt_crc.gz"] = packed[:-8] + bytes(8)
    out["bomb.gz"] = gz(b" " * (2 << 20))  # inflates past the target's 1 MiB limit
    out["empty"] = b""
    return out


def http(method, path, headers=(), body=None):
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += list(headers)
    if body is not None and not any(h.lower().startswith(("content-length", "transfer-encoding"))
                                    for h in headers):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


def chunked(body, size=16):
    out = b""
    for i in range(0, len(body), size):
        part = body[i:i + size]
        out += f"{len(part):x}\r\n".encode() + part + b"\r\n"
    return out + b"0\r\n\r\n"


def http_requests():
    auth = f"Authorization: Bearer {TOKEN}"
    push = request()
    login = compact({"user": "fuzzer", "password": "fuzz-password-1", "replica": REPLICA,
                     "device_name": "fuzz", "app_version": "0.1"})
    return {
        "health": http("GET", "/v1/health"),
        "health_gzip": http("GET", "/v1/health?x=1", ["Accept-Encoding: gzip;q=1, *;q=0"]),
        "not_found": http("GET", "/v2/anything#frag"),
        "wrong_method": http("GET", "/v1/sync", [auth]),
        "sync_pull": http("POST", "/v1/sync", [auth, "Content-Type: application/json"], request([])),
        "sync_push": http("POST", "/v1/sync", [auth, "Accept-Encoding: gzip"], push),
        "sync_push_gzip": http("POST", "/v1/sync", [auth, "Content-Encoding: gzip"], gz(push)),
        "sync_chunked": http("POST", "/v1/sync", [auth, "Transfer-Encoding: chunked"], chunked(push)),
        "sync_chunked_broken": http("POST", "/v1/sync", [auth, "Transfer-Encoding: chunked"],
                                    chunked(push)[:40]),
        "sync_short_body": http("POST", "/v1/sync", [auth, "Content-Length: 500"], push[:100]),
        "sync_huge_length": http("POST", "/v1/sync", [auth, "Content-Length: 99999999999"], b"{}"),
        "sync_bad_encoding": http("POST", "/v1/sync", [auth, "Content-Encoding: br"], push),
        "sync_no_token": http("POST", "/v1/sync", [], push),
        "sync_bad_token": http("POST", "/v1/sync", ["Authorization: Bearer nope"], push),
        "sync_basic_auth": http("POST", "/v1/sync", ["Authorization: Basic Zm9vOmJhcg=="], push),
        "sync_other_replica": http("POST", "/v1/sync", [auth], push.replace(b"fuzz-device", b"other-device")),
        "sync_expect_continue": http("POST", "/v1/sync", [auth, "Expect: 100-continue"], push),
        "sync_not_json": http("POST", "/v1/sync", [auth], b"\xff\xfe not json"),
        "login": http("POST", "/v1/login", ["Content-Type: application/json"], login),
        "login_gzip": http("POST", "/v1/login", ["Content-Encoding: gzip"], gz(login)),
        "login_wrong_password": http("POST", "/v1/login", [], login.replace(b"password-1", b"password-2")),
        "login_missing_user": http("POST", "/v1/login", [], b'{"password":"x","replica":"r"}'),
        "login_not_object": http("POST", "/v1/login", [], b'"user"'),
        "login_bad_utf8": http("POST", "/v1/login", [], b'{"user":"\xc3\x28","password":"x","replica":"r"}'),
        "login_no_body": http("POST", "/v1/login"),
        "http10": http("POST", "/v1/login", [], login).replace(b"HTTP/1.1", b"HTTP/1.0", 1),
    }


def write(target, files):
    folder = os.path.join(HERE, "corpus", target)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    for name, data in sorted(files.items()):
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    write("changeset", changesets())
    write("sync_request", sync_requests())
    write("http", http_requests())
