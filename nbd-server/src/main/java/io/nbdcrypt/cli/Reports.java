package io.nbdcrypt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nbdcrypt.provision.DestroyReport;
import io.nbdcrypt.provision.Provisioned;

/** The one line provision and destroy print: text for people, a JSON object with {@code --json}. */
final class Reports {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Reports() {}

    static ObjectNode provisioned(Provisioned p, boolean memoryLocked) {
        ObjectNode o = JSON.createObjectNode();
        o.put("event", "provisioned");
        o.put("device", p.device().toString());
        o.put("mount", p.mountPoint().toString());
        o.put("size", p.size());
        o.put("fs", p.fsType());
        o.put("raw", p.raw().toString());
        o.put("backend", p.detail());
        o.put("mode", p.authenticated() ? "authenticated" : "xts");
        o.put("header", p.headerFile().map(Object::toString).orElse("memory"));
        o.put("memoryLocked", memoryLocked);
        return o;
    }

    static String provisionedText(Provisioned p) {
        return "provisioned " + p.device() + " at " + p.mountPoint() + " (" + p.size() + " bytes, " + p.fsType() + " on "
                + p.raw() + ", " + p.detail() + (p.authenticated() ? ", authenticated" : "")
                + p.headerFile().map(f -> ", header " + f).orElse("") + ")";
    }

    static ObjectNode destroyed(DestroyReport r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("event", "destroyed");
        o.put("ok", r.ok());
        o.put("mount", r.mountPoint().toString());
        o.put("device", r.device().toString());
        o.put("raw", r.raw().toString());
        o.put("unmount", r.unmount());
        o.put("detach", r.detach());
        o.put("key", r.key());
        o.put("discard", r.discard());
        r.errors().forEach(o.putArray("errors")::add);
        return o;
    }

    /** The text form of a destroy report, from its JSON (destroy gets only that from the other process). */
    static String destroyedText(ObjectNode o) {
        String s = "destroyed " + o.path("mount").asText() + ": " + o.path("unmount").asText() + "; "
                + o.path("detach").asText() + "; key " + o.path("key").asText() + "; " + o.path("discard").asText();
        return o.path("ok").asBoolean() ? s : s + "; FAILED: " + o.path("errors");
    }

    /** A report line from another nbdcrypt process, which must be a JSON object. */
    static ObjectNode parse(String json) throws java.io.IOException {
        if (json.isBlank()) {
            throw new java.io.IOException("the provision process closed the control socket without a report (did it exit or die?)");
        }
        if (!(JSON.readTree(json) instanceof ObjectNode o)) {
            throw new java.io.IOException("the provision process answered with something other than a report: " + json);
        }
        return o;
    }
}
