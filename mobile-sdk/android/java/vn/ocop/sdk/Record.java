package vn.ocop.sdk;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/** One record as the SDK returns it: collection, id, whether it is deleted, and its fields. */
public final class Record {
    public final String collection;
    public final String id;
    public final boolean deleted;
    /** Field name to value (see {@link Json} for the Java types); read-only. */
    public final Map<String, Object> fields;

    Record(Map<String, Object> j) {
        collection = (String) j.get("collection");
        id = (String) j.get("id");
        deleted = Boolean.TRUE.equals(j.get("deleted"));
        @SuppressWarnings("unchecked")
        Map<String, Object> f = (Map<String, Object>) j.get("fields");
        fields = Collections.unmodifiableMap(f);
    }

    @SuppressWarnings("unchecked")
    static List<Record> listOf(Object array) {
        List<Record> out = new ArrayList<>();
        for (Object o : (List<Object>) array) out.add(new Record((Map<String, Object>) o));
        return out;
    }

    public Object get(String field) { return fields.get(field); }

    @Override
    public String toString() { return collection + "/" + id + (deleted ? " (deleted) " : " ") + Json.write(fields); }
}
