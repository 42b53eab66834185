import Testing

@Suite struct HelpTests {
    @Test func rootHelpListsSubcommands() throws {
        let r = try CLI.run(["--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("sdp-parse"))
    }

    @Test func unknownOptionIsUsageError() throws {
        let r = try CLI.run(["--no-such-flag"])
        #expect(r.status == 64)
    }
}
