import java.io.File;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import vn.ocop.sdk.OcopDatabase;
import vn.ocop.sdk.OcopException;
import vn.ocop.sdk.Page;
import vn.ocop.sdk.Record;
import vn.ocop.sdk.RefusedChangeset;
import vn.ocop.sdk.SyncHandle;
import vn.ocop.sdk.SyncOptions;
import vn.ocop.sdk.SyncReport;
import vn.ocop.sdk.Transaction;
import vn.ocop.sdk.WriteResult;

import static vn.ocop.sdk.Transaction.fields;

/**
 * The Java binding against a real ocop-server (started by run_java_test.sh): enrol, write a
 * market-point inspection in Vietnamese, query it back, sync with progress, cancel a sync from
 * another thread, a conflict between two devices resolved, a refused changeset fixed and
 * resubmitted, and errors as OcopException with their stable codes. Exits 1 on any failed check.
 * usage: OcopSdkTest SERVER_URL DEVICES_DIR UNIT_ID
 */
public final class OcopSdkTest {
    private static int checks = 0;
    private static final List<String> failures = new ArrayList<>();

    private static void check(boolean ok, String what) {
        checks++;
        if (!ok) {
            failures.add(what);
            System.err.println("FAILED: " + what);
        }
    }

    private interface Call {
        void run();
    }

    // The call must throw an OcopException with `code`; returns it (null if it did not).
    private static OcopException expectError(String code, Call call) {
        try {
            call.run();
            check(false, "expected " + code + ", nothing was thrown");
        } catch (OcopException e) {
            check(code.equals(e.code()), "expected " + code + ", got " + e);
            return e;
        }
        return null;
    }

    private static String url, unit;
    private static final String OTHER_UNIT = "0192a000-0000-7000-8000-0000000000ff";  // nobody's

    private static Map<String, Object> inspection(String site) {
        return fields("kind", "market_point", "site_name", site, "started_at", "2026-11-23T08:00:00+07:00",
                "status", "draft", "unit", unit);
    }

    public static void main(String[] args) throws Exception {
        url = args[0];
        File dir = new File(args[1]);
        unit = args[2];
        check(dir.mkdirs() || dir.isDirectory(), "devices dir");
        try (OcopDatabase a = OcopDatabase.open(new File(dir, "a.db").getPath());
                OcopDatabase b = OcopDatabase.open(new File(dir, "b.db").getPath())) {
            errorsAndClose(dir);
            a.enroll(url, "an.java", "mat-khau-an.java-2026", "máy A", null);
            b.enroll(url, "binh.java", "mat-khau-binh.java-2026", "máy B", null);
            check(Boolean.TRUE.equals(a.status().get("enrolled")), "a is enrolled");
            String shared = writeQuerySync(a, b);
            conflict(a, b, shared);
            cancel(a);
            refusal(a, dir);
        }
        System.out.println(checks + " checks, " + failures.size() + " failed");
        System.exit(failures.isEmpty() ? 0 : 1);
    }

    private static void errorsAndClose(File dir) {
        OcopDatabase c = OcopDatabase.open(new File(dir, "c.db").getPath());
        OcopException bad = expectError("auth.bad_credentials", () -> c.enroll(url, "an.java", "sai-mat-khau", null, null));
        check(bad != null && bad.kind() == OcopException.Kind.UNAUTHORIZED && !bad.retryable(),
                "a wrong password is unauthorized and not retryable");
        OcopException e = expectError("value.not_in_enum",
                () -> c.write(new Transaction().create("inspection", fields("kind", "market_point", "site_name", "x",
                        "started_at", "2026-11-23T08:00:00+07:00", "status", "không có", "unit", unit))));
        check(e != null && e.kind() == OcopException.Kind.INVALID_INPUT, "a bad enum value is invalid_input");
        check(e != null && e.getMessage().contains("không có"), "the message keeps the Vietnamese value: " + e);
        check(c.list("inspection", null, 0, null).records.isEmpty(), "a failed write stores nothing");
        check(c.get("inspection", "0192a000-0000-7000-8000-00000000dead") == null, "get of an absent id is null");
        expectError("record.not_found", () -> c.resolveConflict("0192a000-0000-7000-8000-00000000beef", 1.5));
        c.close();
        c.close();  // twice is fine
        expectError("sdk.closed", () -> c.get("inspection", "x"));
        expectError("sdk.closed", () -> c.syncAsync(null, null));
    }

    private static String writeQuerySync(OcopDatabase a, OcopDatabase b) {
        final String site = "Chợ Long Xuyên";
        WriteResult w = a.write(new Transaction().create("inspection", inspection(site))
                .create("inspection", inspection("HTX Tân Hiệp")));
        check(w.ids.size() == 2 && w.seq > 0, "two ids and a sequence");
        String id = w.ids.get(0);
        Record r = a.get("inspection", id);
        check(r != null && site.equals(r.get("site_name")), "Vietnamese text round-trips: " + r);
        check(r != null && "market_point".equals(r.get("kind")) && !r.deleted, "fields read back");
        Page page = a.list("inspection", fields("site_name", site), 10, null);
        check(page.records.size() == 1 && page.records.get(0).id.equals(id) && !page.more, "list with a filter");
        Page first = a.list("inspection", fields("unit", unit), 1, null);
        check(first.records.size() == 1 && first.more, "a page cut at its limit says more");
        Page rest = a.list("inspection", fields("unit", unit), 1, first.nextAfterId);
        check(rest.records.size() == 1 && !rest.records.get(0).id.equals(first.records.get(0).id), "the next page");
        List<Record> found = a.search("inspection", "cho long xuyen", 10, null);
        check(found.size() == 1 && found.get(0).id.equals(id), "search ignores case and diacritics");
        check(((Long) a.status().get("pending")) == 1, "one changeset pending");

        AtomicInteger calls = new AtomicInteger();
        AtomicReference<Thread> on = new AtomicReference<>();
        AtomicReference<String> reentry = new AtomicReference<>("");
        SyncReport rep = a.sync(p -> {
            calls.incrementAndGet();
            on.set(Thread.currentThread());
            try {
                a.status();
            } catch (OcopException e) {
                reentry.set(e.code());
            }
        }, null);
        check("sdk.in_listener".equals(reentry.get()), "a listener may not call its database: " + reentry.get());
        check(rep.complete && rep.pushed == 1 && rep.errorCode.isEmpty(), "a's sync: " + rep);
        check(calls.get() >= 1, "the listener saw progress");
        check(on.get() == Thread.currentThread(), "progress came on the caller's thread");
        check(Boolean.TRUE.equals(a.status().get("fully_synced")), "a is fully synced");

        SyncReport rb = b.sync(null, null);
        check(rb.complete && rb.pulled > 0, "b pulls: " + rb);
        Record onB = b.get("inspection", id);
        check(onB != null && site.equals(onB.get("site_name")), "b holds the inspection with its exact name");
        return id;
    }

    @SuppressWarnings("unchecked")
    private static void conflict(OcopDatabase a, OcopDatabase b, String id) {
        // Both set site_name without seeing the other's value.
        a.write(new Transaction().put("inspection", id, fields("site_name", "Chợ Long Xuyên (khu B)")));
        b.write(new Transaction().put("inspection", id, fields("site_name", "Chợ Mỹ Xuyên", "conclusion",
                "Đạt yêu cầu về nhãn hàng hóa.")));
        for (int round = 0; round < 2; round++) {
            check(a.sync(null, null).complete, "a syncs");
            check(b.sync(null, null).complete, "b syncs");
        }
        List<Record> ca = a.conflicts();
        check(ca.size() == 1 && b.conflicts().size() == 1, "one open conflict on each device");
        if (ca.size() != 1) return;
        Record c = ca.get(0);
        check(id.equals(c.get("record_id")) && "site_name".equals(c.get("field")), "the conflict names the field");
        Set<Object> values = new HashSet<>();
        for (Object v : (List<Object>) c.get("values")) values.add(((Map<String, Object>) v).get("value"));
        check(values.equals(Set.of("Chợ Long Xuyên (khu B)", "Chợ Mỹ Xuyên")), "both values kept: " + values);

        expectError("conflict.no_such_value", () -> a.resolveConflictByIndex(c.id, 9));
        a.resolveConflictByWriter(c.id, "an.java");
        check(a.conflicts().isEmpty(), "resolved on a");
        expectError("conflict.not_open", () -> a.resolveConflictByIndex(c.id, 1));
        a.reopenConflict(c.id);
        check(a.conflicts().size() == 1, "reopened");
        // The values are listed as the conflict record holds them; choose a's by its position.
        List<Object> listed = (List<Object>) a.conflicts().get(0).get("values");
        int index = 0;
        for (int i = 0; i < listed.size(); i++)
            if ("an.java".equals(((Map<String, Object>) listed.get(i)).get("user"))) index = i + 1;
        check(index > 0, "a's value is listed");
        a.resolveConflictByIndex(c.id, index);
        check(a.sync(null, null).complete && b.sync(null, null).complete, "both sync the resolution");
        Record onB = b.get("inspection", id);
        check(onB != null && "Chợ Long Xuyên (khu B)".equals(onB.get("site_name")), "b has the chosen value: " + onB);
        check(onB != null && "Đạt yêu cầu về nhãn hàng hóa.".equals(onB.get("conclusion")), "b's other edit kept");
        check(a.conflicts().isEmpty() && b.conflicts().isEmpty(), "no open conflict after the resolution");
    }

    private static void cancel(OcopDatabase a) throws InterruptedException {
        for (int i = 0; i < 5; i++) a.write(new Transaction().create("inspection", inspection("Điểm bán số " + i)));
        SyncOptions one = new SyncOptions();
        one.maxChangesetsPerRequest = 1;
        CountDownLatch reached = new CountDownLatch(1), cancelled = new CountDownLatch(1);
        AtomicReference<String> thread = new AtomicReference<>();
        AtomicInteger calls = new AtomicInteger();
        SyncHandle h = a.syncAsync(p -> {
            thread.set(Thread.currentThread().getName());
            if (calls.incrementAndGet() == 1) {
                reached.countDown();
                try {
                    cancelled.await(20, TimeUnit.SECONDS);  // the main thread cancels meanwhile
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, one);
        check(reached.await(20, TimeUnit.SECONDS), "the async sync reported progress");
        h.cancel();  // from this (main) thread, while the run waits in its listener
        cancelled.countDown();
        SyncReport r = h.await();
        h.cancel();  // after the end: harmless
        check(h.isDone(), "the handle is done");
        check(!r.complete && "sync.cancelled".equals(r.errorCode), "the run reports cancelled: " + r);
        check(r.pushed == 1 && r.pending == 4, "one pushed before the cancel, four still pending: " + r);
        check(calls.get() == 1, "no progress after the cancel");
        check("ocop-sync".equals(thread.get()), "progress came on the handle's thread: " + thread.get());
        check(Boolean.FALSE.equals(a.status().get("fully_synced")), "not fully synced after a cancel");
        SyncReport again = a.sync(null, one);
        check(again.complete && again.pushed == 4, "the next run sends the rest: " + again);

        // A listener that throws stops the run; the exception reaches sync()'s caller.
        a.write(new Transaction().create("inspection", inspection("Chợ Mới")));
        try {
            a.sync(p -> {
                throw new IllegalStateException("nghe lỗi");
            }, null);
            check(false, "a throwing listener's exception is rethrown");
        } catch (IllegalStateException e) {
            check("nghe lỗi".equals(e.getMessage()), "the listener's own exception");
        }
        check(a.sync(null, null).complete, "the database is usable after a listener threw");
    }

    @SuppressWarnings("unchecked")
    private static void refusal(OcopDatabase a, File dir) {
        // The device itself refuses what a's grants (known since its first sync) do not allow.
        OcopException local = expectError("perm.unit_not_covered",
                () -> a.write(new Transaction().create("inspection", fields("kind", "market_point", "site_name",
                        "Chợ Nổi Cái Răng", "started_at", "2026-11-23T08:00:00+07:00", "status", "draft", "unit",
                        OTHER_UNIT))));
        check(local != null && local.kind() == OcopException.Kind.FORBIDDEN, "forbidden: " + local);

        // A device that never synced does not know its grants yet: the server refuses instead.
        try (OcopDatabase d = OcopDatabase.open(new File(dir, "d.db").getPath())) {
            d.enroll(url, "an.java", "mat-khau-an.java-2026", "máy D", null);
            Map<String, Object> wrong = inspection("Chợ Nổi Cái Răng");
            wrong.put("unit", OTHER_UNIT);
            String id = d.write(new Transaction().create("inspection", wrong)).ids.get(0);
            SyncReport r = d.sync(null, null);
            check(r.refused == 1, "the server refused one changeset: " + r);
            List<Object> refusals = (List<Object>) r.json.get("refusals");
            check(refusals.size() == 1
                    && "perm.unit_not_covered".equals(((Map<String, Object>) refusals.get(0)).get("code")),
                    "the report names the refusal");
            List<RefusedChangeset> q = d.refused();
            check(q.size() == 1 && "perm.unit_not_covered".equals(q.get(0).code), "kept in the quarantine");
            if (q.size() != 1) return;
            check(q.get(0).messageVi != null && !q.get(0).messageVi.isEmpty(), "a Vietnamese sentence to show");
            check(((Long) d.status().get("refused")) == 1, "status counts it");
            expectError("record.not_found", () -> d.discardRefused(q.get(0).seq + 100));
            Map<String, Map<String, Object>> fixes = Map.of(id, fields("unit", unit));
            long seq = d.resubmitRefused(q.get(0).seq, fixes);
            check(seq > q.get(0).seq, "the fix is a new changeset");
            check(d.refused().isEmpty(), "the quarantine is empty");
            SyncReport fixed = d.sync(null, null);
            check(fixed.complete && fixed.pushed == 1 && fixed.refused == 0, "the fix is accepted: " + fixed);
            check(a.sync(null, null).complete, "a syncs");
            Record onA = a.get("inspection", id);
            check(onA != null && unit.equals(onA.get("unit")) && "Chợ Nổi Cái Răng".equals(onA.get("site_name")),
                    "a holds the fixed inspection: " + onA);
        }
    }
}
