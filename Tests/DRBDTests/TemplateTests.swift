// Unrendered templates and stray lines: the first error names what drbdadm would name first (the
// stray line) or, for a template, the template syntax itself, with its line.
import DRBD
import Testing

@Suite struct TemplateTests {
    @Test(arguments: [
        ("resource r0 {\n  device /dev/drbd0;\n  disk {{ disk }};\n}\n", 3, "{{ disk }}"),
        ("resource r0 {\n{% if drbd_ipv6 %}\n  on a { }\n{% endif %}\n}\n", 2, "{% if drbd_ipv6 %}"),
        ("resource <%= @name %> {\n}\n", 1, "<%= @name %>"),
        ("# {{ ansible_managed }}\nresource r0 {\n  handlers { split-brain \"{{ notify }}\"; }\n  on {{ inventory_hostname }} { }\n}\n", 3, "{{ notify }}"),
    ])
    func unrenderedTemplateIsTheFirstError(_ text: String, _ line: Int, _ snippet: String) {
        let r = load(text)
        #expect(r.errors.count == 1, "\(r.errors)")
        let e = r.errors.first
        #expect(e?.location.line == line)
        #expect(e?.message.contains("unrendered template syntax '\(snippet)'") == true, "\(e?.message ?? "")")
        #expect(e?.fix.contains("render it with Ansible/Puppet first") == true)
    }

    @Test func templateSyntaxInACommentOnlyIsNotAnError() throws {
        let c = try config("# {{ ansible_managed }} <%= @header %>\nresource r0 {\n device /dev/drbd0; disk /dev/vg/r0; meta-disk internal;\n on a { address 10.0.0.1:7788; } on b { address 10.0.0.2:7788; }}\n")
        #expect(c.resources.map(\.name) == ["r0"])
    }

    @Test func templateInAnIncludedFileNamesThatFile() {
        let r = load(["/etc/drbd.conf": "include \"drbd.d/*.res\";\n",
                      "/etc/drbd.d/r0.res": "resource r0 {\n\n  device /dev/drbd{{ minor }};\n}\n"])
        #expect(r.errors.first?.location.file == "/etc/drbd.d/r0.res")
        #expect(r.errors.first?.location.line == 3)
    }

    /// drbdadm: "s.res:6: Parse error: 'global | common | resource ...' expected, but got 'stray-line'".
    @Test func strayTopLevelLineBeforeABraceErrorIsReportedFirst() {
        let r = load("resource r0 {\n device /dev/drbd0; disk /dev/vg/r0; meta-disk internal;\n on a { address 10.0.0.1:7788; }\n on b { address 10.0.0.2:7788; }\n}\nstray-line here\nresource r1 {\n on a { address 10.0.0.1:7789;\n}\n")
        #expect(r.errors.count == 1)
        #expect(r.errors.first?.location.line == 6)
        #expect(r.errors.first?.message.contains("'stray-line'") == true, "\(r.errors)")
    }

    /// drbdadm: "s.res:3: Parse error: 'protocol | on | ...' expected, but got 'stray'".
    @Test(arguments: [
        ("resource r0 {\n device /dev/drbd0; disk /dev/vg/r0; meta-disk internal;\n stray\n on a { address 10.0.0.1:7788; }\n on b { address 10.0.0.2:7788;\n}\n", 3, "'stray'"),
        ("resource r0 {\n device /dev/drbd0; disk /dev/vg/r0; meta-disk internal\n on a { address 10.0.0.1:7788; }\n on b { address 10.0.0.2:7788; }\n}\n", 2, "'internal'"),
    ])
    func strayLineInAResourceIsReportedFirst(_ text: String, _ line: Int, _ word: String) {
        let r = load(text)
        #expect(r.errors.count == 1)
        #expect(r.errors.first?.location.line == line, "\(r.errors)")
        #expect(r.errors.first?.message.contains(word) == true, "\(r.errors)")
    }
}
