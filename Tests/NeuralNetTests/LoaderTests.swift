import Testing

@testable import NeuralNet

struct LoaderTests {
  @Test func readsNumpyFloat32AndFloat64() throws {
    let f4 = try DataLoader.load("a.npy", bytes: Fixtures.float32NPY)
    #expect(f4.dimension == 3)
    #expect(f4.rows == [0.5, -1.25, 3.0, 2.0, 0.0, 1e-3])
    let f8 = try DataLoader.load("b.npy", bytes: Fixtures.float64NPY)
    #expect(f8.dimension == 2)
    #expect(f8.rows == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6].map { Float($0) })
  }

  /// Python's gzip.compress(b'', mtime=0): a gzip member holding nothing.
  static let emptyGzipMember: [UInt8] = [31, 139, 8, 0, 0, 0, 0, 0, 2, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]

  /// uint8 images are scaled to [0, 1]; the same images read from IDX, plain or gzipped, agree.
  @Test func readsImagesFromNumpyAndIDX() throws {
    let expected: [Float] = [0, 255, 51, 102, 255, 0, 0, 255].map { Float($0) / 255 }
    for (name, bytes) in [
      ("c.npy", Fixtures.uint8NPY), ("train-images-idx3-ubyte", Fixtures.idx),
      ("train-images-idx3-ubyte.gz", Fixtures.gzippedIDX),
      // Two gzip members, as `cat empty.gz t.gz` makes (the first, empty, was all that was read).
      ("train-images-idx3-ubyte.gz", Self.emptyGzipMember + Fixtures.gzippedIDX),
      ("train-images-idx3-ubyte.gz", Fixtures.gzippedIDX + Self.emptyGzipMember),
      // Zero padding, or a stray byte, after the last member is ignored (as gunzip does).
      ("train-images-idx3-ubyte.gz", Fixtures.gzippedIDX + [0, 0, 0, 0, 0, 0, 0, 0]),
      ("train-images-idx3-ubyte.gz", Fixtures.gzippedIDX + [10]),
    ] {
      let table = try DataLoader.load(name, bytes: bytes)
      #expect(table.rows == expected, "\(name)")
      #expect(table.dimension == 4)
      #expect(table.imageSize?.width == 2 && table.imageSize?.height == 2)
    }
  }

  @Test func readsCSVWithAndWithoutHeaderAndLabel() throws {
    let plain = try DataLoader.load("d.csv", bytes: Array("1,2\n3,4\n".utf8))
    #expect(plain.rows == [1, 2, 3, 4] && plain.dimension == 2)
    let labelled = try DataLoader.load(
      "e.csv", bytes: Array("x, y, digit\n0.5, 1, 7\n-2, 3e2, 1\n".utf8), labelColumn: "digit")
    #expect(labelled.rows == [0.5, 1, -2, 300] && labelled.dimension == 2 && labelled.labels == ["7", "1"])
    let byIndex = try DataLoader.load("f.csv", bytes: Array("9,1,2\n8,3,4\n".utf8), labelColumn: "0")
    #expect(byIndex.rows == [1, 2, 3, 4])
  }

  @Test(arguments: [
    ("t.npy", Array(Fixtures.float32NPY.prefix(20)), "t.npy: truncated NPY header"),
    (
      "t.npy", Array(Fixtures.float32NPY.dropLast(4)),
      "t.npy: truncated: shape [2, 3] needs 24 bytes of data, the file holds 20"
    ),
    (
      "i.npy", Fixtures.int64NPY,
      "i.npy: dtype <i8 is not supported; vaelab reads float32 (<f4), float64 (<f8) and uint8 (|u1)"
    ),
    ("x.npy", Array("hello".utf8), "x.npy: not an NPY file (no \\x93NUMPY magic)"),
    (
      "t-idx3-ubyte", Array(Fixtures.idx.dropLast(3)),
      "t-idx3-ubyte: truncated: the header promises 8 values but the file holds 5"
    ),
    ("t-idx3-ubyte", [1, 2, 3, 4], "t-idx3-ubyte: not an IDX file (it does not start with two zero bytes)"),
    (
      "t-idx3-ubyte.gz", Array(Fixtures.gzippedIDX.dropLast(12)),
      "t-idx3-ubyte.gz: the gzip data is truncated (zlib status -5)"
    ),
    ("c.csv", Array("a,b\n1,2\n3\n".utf8), "c.csv: line 3 has 1 fields; the first has 2"),
    (
      "c.csv", Array("1,2\n3,x\n".utf8),
      "c.csv: line 2, column 2 is not a finite number (CSV values are decimal numbers such as 0.5 or -1e-3; only the first line may be a header)"
    ),
    ("c.csv", Array("a,b\n1,2\n".utf8), "c.csv: no column 'z' to use as the label"),
    ("c.csv", [], "c.csv: it is empty"),
    ("data.bin", [0, 1], "data.bin: unknown format; vaelab reads .npy, .csv and IDX (.idx, *-ubyte, also .gz)"),
  ])
  func badFilesNameTheFileAndTheProblem(name: String, bytes: [UInt8], message: String) {
    #expect {
      try DataLoader.load(name, bytes: bytes, labelColumn: name == "c.csv" && message.contains("'z'") ? "z" : nil)
    } throws: { error in
      (error as? DataFileError)?.description == message
    }
  }
}

/// A label column becomes a factor: classes sorted (as numbers when they are
/// numbers), or continuous when there are many distinct numbers.
struct LabelFactorTests {
  @Test func fewLabelsAreClassesInOrder() {
    let digits = ExampleFactor.Column(name: "label", labels: ["10", "9", "2", "9"])
    #expect(digits.classes == ["2", "9", "10"] && digits.values == [2, 1, 0, 1])
    let words = ExampleFactor.Column(name: "label", labels: ["dog", "cat", "1.5"])
    #expect(words.classes == ["1.5", "cat", "dog"] && words.values == [2, 1, 0])
  }

  @Test func manyNumbersAreContinuous() {
    let labels = (0..<30).map { String(Double($0) / 4) }
    let column = ExampleFactor.Column(name: "label", labels: labels)
    #expect(column.classes == nil && column.values == (0..<30).map { Double($0) / 4 })
  }

  /// The split shuffles the factor with the rows: each held-out row keeps its own label.
  @Test func theSplitKeepsEachRowsLabel() {
    let rows = (0..<50).map(Float.init)
    let data = Dataset(
      name: "t", dimension: 1, rows: rows, heldOutFraction: 0.2, seed: 3,
      factors: [.init(name: "label", labels: (0..<50).map { String($0 * 2) })])
    let factor = data.factors[0]
    #expect(factor.classes == nil)
    #expect(zip(data.heldOut, factor.heldOut).allSatisfy { Double($0) * 2 == $1 })
    #expect(zip(data.training, factor.training).allSatisfy { Double($0) * 2 == $1 })
  }
}
