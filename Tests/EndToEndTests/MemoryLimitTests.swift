import Foundation
import Testing

/// `VAELAB_MEMORY` is checked at start (issue 26, item 13).
@Suite struct MemoryLimitTests {
  /// A VAELAB_MEMORY that is not a size stops vaelab at start, in every mode,
  /// with exit status 64 and the accepted forms (it fell back to half of
  /// physical memory in silence before).
  @Test(arguments: ["0", "-1", "abc", "1e999", "2 G", "0x10", "8X", "\u{1B}[31m"])
  func aBadVaelabMemoryIsAnErrorAtStart(value: String) throws {
    let shown = value == "\u{1B}[31m" ? "\\u{1B}[31m" : value
    let message =
      "vaelab: VAELAB_MEMORY='\(shown)' is not a size: give bytes, or a number with K, M, G or T (powers of 1024), such as 512M or 8G\n"
    for arguments in [["-c", "kl 2 1"], [], ["check", "no-such-lesson.md"]] {
      let result = try Binary.run(arguments, input: "kl 2 1\n", environment: ["VAELAB_MEMORY": value])
      #expect(result.status == 64, "\(arguments): \(result.stderr)")
      #expect(result.stderr == message, "\(arguments)")
      #expect(result.stdout == "", "\(arguments)")
    }
  }

  /// Good values, and an empty one (as unset), still start.
  @Test(arguments: ["512M", "8G", "1.5g", "100000000", ""])
  func aGoodVaelabMemoryStarts(value: String) throws {
    let result = try Binary.run(["-c", "kl 2 1"], environment: ["VAELAB_MEMORY": value])
    #expect(result.status == 0, "\(result.stderr)")
  }
}
