import Foundation
import Testing

@testable import NeuralNet

/// Memory that input asks for is estimated against one budget before it is
/// allocated, and long reads stop at Ctrl-C (issue 9, defect 5).
struct MemoryBudgetTests {
  @Test(arguments: [
    ("1048576", 1_048_576), ("512M", 512 << 20), ("8G", 8 << 30), ("1.5g", 3 << 29), ("2GiB", 2 << 30),
    ("64KB", 64 << 10), (" 1T ", 1 << 40), ("100B", 100),
  ])
  func sizesAreParsed(text: String, bytes: Int) {
    #expect(MemoryBudget.parse(text) == bytes)
  }

  @Test(arguments: [
    "", "0", "-1G", "G", "lots", "1e30", "nan", "8X", "inf", "-1", "abc", "1e999", "2 G", "0x10", "1e3", "1.", ".5",
    "1..5", "+5", "99999999T",
  ])
  func nonSizesAreRefused(text: String) {
    #expect(MemoryBudget.parse(text) == nil)
  }

  /// A VAELAB_MEMORY that is not a size is an error for vaelab's start
  /// (issue 26, item 13); unset and empty are not.
  @Test func aBadSettingIsNamedWithTheAcceptedForms() {
    #expect(MemoryBudget.settingProblem(in: [:]) == nil)
    #expect(MemoryBudget.settingProblem(in: ["VAELAB_MEMORY": ""]) == nil)
    #expect(MemoryBudget.settingProblem(in: ["VAELAB_MEMORY": "8G"]) == nil)
    #expect(
      MemoryBudget.settingProblem(in: ["VAELAB_MEMORY": "abc"])
        == "VAELAB_MEMORY='abc' is not a size: give bytes, or a number with K, M, G or T (powers of 1024), such as 512M or 8G"
    )
    #expect(
      MemoryBudget.settingProblem(in: ["VAELAB_MEMORY": "1\n\u{1B}[2J"])?.hasPrefix("VAELAB_MEMORY='1\\n\\u{1B}[2J' ")
        == true)
  }

  @Test func sizesAreDescribedAndRefusalsGiveTheEstimate() {
    #expect(MemoryBudget.describe(512) == "512 bytes")
    #expect(MemoryBudget.describe(1536) == "1.5 KiB")
    #expect(MemoryBudget.describe(3 << 30) == "3.0 GiB")
    #expect(MemoryBudget.refusal(1, for: "x") == nil)
    let refusal = MemoryBudget.refusal(MemoryBudget.bytes + 1, for: "the thing")
    #expect(refusal?.hasPrefix("the thing needs about ") == true)
    #expect(
      refusal?.contains("more than vaelab's memory budget of \(MemoryBudget.describe(MemoryBudget.bytes))") == true)
    #expect(MemoryBudget.refusal(nil, for: "y")?.hasPrefix("y needs more bytes than a 64-bit count holds") == true)
  }

  /// A model's training memory counts every parameter five times over and the
  /// activations of a batch; a configuration larger than any machine is refused.
  @Test func trainingMemoryIsEstimatedFromAbove() throws {
    let small = VAEConfiguration(inputs: 256, hidden: 128, latent: 8)
    let bytes = try #require(small.trainingBytes(batchSize: 64))
    #expect(bytes >= 4 * 4 * small.parameterCount)
    #expect(bytes == 20 * small.parameterCount + 256 * (256 + 128 + 24 + 128 + 256) * 12)
    let wide = VAEConfiguration(inputs: 1_000_000, hidden: [4096], latent: 2)
    #expect(MemoryBudget.refusal(wide.trainingBytes(batchSize: 64), for: "it") != nil || MemoryBudget.bytes > 150 << 30)
  }

  @Test(arguments: [
    ("a.csv", Array("1,2\n3,4\n".utf8)),
    ("a.npy", HostileFileTests.npy(descr: "|u1", shape: "(2, 2)", data: [1, 2, 3, 4])),
    ("a.idx", Fixtures.idx), ("a.idx.gz", Fixtures.gzippedIDX),
  ])
  func loadingStopsAtCtrlC(name: String, bytes: [UInt8]) throws {
    #expect(throws: DataFileError.interrupted(name)) {
      try DataLoader.load(name, bytes: bytes, shouldStop: { true })
    }
    #expect(try DataLoader.load(name, bytes: bytes).rows.count == 4 || name.hasPrefix("a.idx"))
  }

  /// A gzip cut short is called truncated, and one with broken data corrupt.
  @Test func brokenGzipIsNamed() {
    let truncated = Array(Fixtures.gzippedIDX.dropLast(12))
    #expect(throws: DataFileError(file: "t.idx.gz", problem: "the gzip data is truncated (zlib status -5)")) {
      try DataLoader.load("t.idx.gz", bytes: truncated)
    }
    var corrupt = Fixtures.gzippedIDX
    corrupt[12] ^= 0xFF
    #expect(throws: DataFileError.self) { try DataLoader.load("c.idx.gz", bytes: corrupt) }
  }
}
