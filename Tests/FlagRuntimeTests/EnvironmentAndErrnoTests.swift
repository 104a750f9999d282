import FlagRuntime
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("The FLAGC_* parser and the errno text shared by runtime, compiler and CLI")
struct EnvironmentAndErrnoTests {
    @Test(
        "FLAGC_ROOT_PUBLIC_KEY lists keys separated by commas or new lines, blank parts skipped",
        arguments: [
            ("a", ["a"]),
            ("a,b", ["a", "b"]),
            ("a\nb\n", ["a", "b"]),
            ("a, ,\n\nb", ["a", "b"]),
            (" ,\n", []),
        ]
    )
    func rootKeyTexts(value: String, expected: [String]) {
        #expect(FlagcEnvironment.rootKeyTexts(value) == expected)
    }

    @Test("a rollback floor is a whole number; anything else names the variable, never the value")
    func floors() throws {
        let environment = ["FLAGC_MIN_BUNDLE_VERSION": "12", "FLAGC_MIN_KEYRING_VERSION": "SECRET-ish"]
        let lookup: (String) -> String? = { environment[$0] }
        let bundleFloor: UInt64? = try FlagcEnvironment.floor(FlagcEnvironment.minimumBundleVersion, lookup)
        #expect(bundleFloor == 12)
        let unset: UInt64? = try FlagcEnvironment.floor("FLAGC_UNSET", lookup)
        #expect(unset == nil)
        let error = #expect(throws: LoadOptionsError.self) {
            let _: UInt32? = try FlagcEnvironment.floor(FlagcEnvironment.minimumKeyringVersion, lookup)
        }
        #expect(error?.description == "FLAGC_MIN_KEYRING_VERSION: not a whole number")
    }

    @Test("errno text comes from strerror_r")
    func errnoText() {
        #expect(SystemError.text(ENOENT) == "No such file or directory")
        #expect(SystemError.text(EACCES) == "Permission denied")
        #expect(!SystemError.text(123_456).isEmpty)
    }
}
