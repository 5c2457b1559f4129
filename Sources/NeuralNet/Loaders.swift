import CZlib
import Foundation

/// Why a data file could not be read: the file and the problem.
public struct DataFileError: Error, Equatable, Sendable, CustomStringConvertible {
  public let file: String
  public let problem: String
  /// Reading stopped at Ctrl-C: nothing is wrong with the file.
  public var isInterrupted = false
  public var description: String { "\(file): \(problem)" }

  static func interrupted(_ file: String) -> DataFileError {
    DataFileError(file: file, problem: "reading was interrupted (Ctrl-C)", isInterrupted: true)
  }
}

/// Data files in the formats people already have, as rows of floats. Unsigned
/// bytes (MNIST's pixels) are scaled to [0, 1] by dividing by 255; other types
/// are kept as they are.
public enum DataLoader {
  public struct Table: Sendable {
    public var rows: [Float]
    public var dimension: Int
    /// Height and width when each row is a 2-D array (an image).
    public var imageSize: (width: Int, height: Int)?
    /// A CSV file's label column, one field per row; nil without one.
    public var labels: [String]? = nil
  }

  /// By extension: .idx / -ubyte (optionally .gz), .npy, .csv. Asks
  /// `shouldStop` between pieces of the work (a megabyte or so), and stops with
  /// an interrupted error when it says so.
  public static func load(
    _ path: String, bytes: [UInt8], labelColumn: String? = nil, shouldStop: () -> Bool = { false }
  ) throws(DataFileError) -> Table {
    let plain = try isGzip(bytes) ? gunzip(bytes, file: path, shouldStop: shouldStop) : bytes
    let name = path.hasSuffix(".gz") ? String(path.dropLast(3)) : path
    if name.hasSuffix(".npy") { return try npy(plain, file: path, shouldStop: shouldStop) }
    if name.hasSuffix(".csv") { return try csv(plain, file: path, labelColumn: labelColumn, shouldStop: shouldStop) }
    if name.hasSuffix(".idx") || name.contains("-ubyte") || name.contains("idx") {
      return try idx(plain, file: path, shouldStop: shouldStop)
    }
    throw DataFileError(
      file: path, problem: "unknown format; vaelab reads .npy, .csv and IDX (.idx, *-ubyte, also .gz)")
  }

  static func isGzip(_ bytes: [UInt8]) -> Bool { bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B }

  /// Inflates a gzip stream with zlib, feeding the input in pieces zlib's
  /// 32-bit counts can take, and refusing output beyond half the memory budget
  /// (a small file can inflate a thousandfold: the rest of the budget is for
  /// the values read from it). A file of several gzip members (RFC 1952,
  /// section 2.2: `cat a.gz b.gz`) inflates to their outputs one after another,
  /// as gunzip reads it; bytes after the last member that start no member
  /// (zero padding) are ignored, as gunzip and Python's gzip ignore them.
  static func gunzip(_ bytes: [UInt8], file: String, shouldStop: () -> Bool) throws(DataFileError) -> [UInt8] {
    var stream = z_stream()
    guard vaelab_inflate_init_gzip(&stream) == Z_OK else {
      throw DataFileError(file: file, problem: "zlib failed to start")
    }
    defer { inflateEnd(&stream) }
    let budget = MemoryBudget.current
    let largestOutput = budget.bytes / 2
    let piece = 1 << 30
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    var consumed = 0
    var status = Z_OK
    while status == Z_OK {
      // zlib counts in 32 bits: give it the input a gigabyte at a time.
      if stream.avail_in == 0 && consumed < bytes.count {
        let count = min(piece, bytes.count - consumed)
        stream.avail_in = uInt(count)
        consumed += count
      }
      status = bytes.withUnsafeBufferPointer { source in
        // The unread input starts `avail_in` bytes before the end of what was handed over.
        stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress.map { $0 + consumed - Int(stream.avail_in) })
        return chunk.withUnsafeMutableBufferPointer { buffer in
          stream.next_out = buffer.baseAddress
          stream.avail_out = uInt(buffer.count)
          let code = inflate(&stream, Z_NO_FLUSH)
          output.append(contentsOf: buffer[0..<(buffer.count - Int(stream.avail_out))])
          return code
        }
      }
      // A member ended, and another starts where it ended (its magic bytes 1f 8b):
      // read it too. Other bytes after a member (zero padding) are ignored, as gunzip does.
      let next = consumed - Int(stream.avail_in)
      if status == Z_STREAM_END && next + 1 < bytes.count && isGzip(Array(bytes[next...(next + 1)])) {
        status = inflateReset(&stream)
      }
      if output.count % (1 << 24) < chunk.count && shouldStop() { throw .interrupted(file) }
      if output.count > largestOutput {
        throw DataFileError(
          file: file,
          problem:
            "it inflates to more than \(MemoryBudget.describe(largestOutput)), half of vaelab's memory budget of \(MemoryBudget.describe(budget.bytes)) (\(budget.origin))"
        )
      }
    }
    guard status == Z_STREAM_END else {
      let reason = status == Z_BUF_ERROR ? "truncated" : "corrupt"
      throw DataFileError(file: file, problem: "the gzip data is \(reason) (zlib status \(status))")
    }
    return output
  }

  /// The product of `factors`, or nil where it overflows an Int: sizes read
  /// from a file are checked before anything is computed from them.
  static func product(_ factors: [Int]) -> Int? {
    var result = 1
    for factor in factors {
      let (value, overflow) = result.multipliedReportingOverflow(by: factor)
      if overflow { return nil }
      result = value
    }
    return result
  }

  /// The `count` values `read` gives, refused where one is NaN or infinite
  /// (including a float64 beyond float32's range): training on them would only
  /// spread NaN. Asks `shouldStop` every million values.
  static func values(
    count: Int, dimension: Int, file: String, shouldStop: () -> Bool, read: (Int) -> Float
  ) throws(DataFileError) -> [Float] {
    var rows: [Float] = []
    rows.reserveCapacity(count)
    for start in stride(from: 0, to: count, by: 1 << 20) {
      if shouldStop() { throw .interrupted(file) }
      for index in start..<min(count, start + (1 << 20)) {
        let value = read(index)
        guard value.isFinite else {
          throw DataFileError(
            file: file,
            problem:
              "value \(index % dimension) of example \(index / dimension) is not a finite number (NaN, infinite, or beyond float32's 3.4e38)"
          )
        }
        rows.append(value)
      }
    }
    return rows
  }

  // MARK: IDX

  /// IDX (LeCun's MNIST format): two zero bytes, a type byte, the number of
  /// dimensions, each dimension as a big-endian UInt32, then big-endian values.
  static func idx(_ bytes: [UInt8], file: String, shouldStop: () -> Bool) throws(DataFileError) -> Table {
    guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 else {
      throw DataFileError(file: file, problem: "not an IDX file (it does not start with two zero bytes)")
    }
    let dimensions = Int(bytes[3])
    guard (1...4).contains(dimensions), bytes.count >= 4 + 4 * dimensions else {
      throw DataFileError(file: file, problem: "IDX header with \(dimensions) dimensions does not fit the file")
    }
    let shape = (0..<dimensions).map { d in (0..<4).reduce(0) { $0 << 8 | Int(bytes[4 + 4 * d + $1]) } }
    let (size, read): (Int, (Int) -> Float)
    let start = 4 + 4 * dimensions
    func bigEndian(_ offset: Int, _ width: Int) -> UInt64 {
      (0..<width).reduce(0) { $0 << 8 | UInt64(bytes[offset + $1]) }
    }
    switch bytes[2] {
    case 0x08: (size, read) = (1, { Float(bytes[start + $0]) / 255 })
    case 0x09: (size, read) = (1, { Float(Int8(bitPattern: bytes[start + $0])) })
    case 0x0B: (size, read) = (2, { Float(Int16(bitPattern: UInt16(bigEndian(start + 2 * $0, 2)))) })
    case 0x0C: (size, read) = (4, { Float(Int32(bitPattern: UInt32(bigEndian(start + 4 * $0, 4)))) })
    case 0x0D: (size, read) = (4, { Float(bitPattern: UInt32(bigEndian(start + 4 * $0, 4))) })
    case 0x0E: (size, read) = (8, { Float(Double(bitPattern: bigEndian(start + 8 * $0, 8))) })
    default: throw DataFileError(file: file, problem: String(format: "unknown IDX type byte 0x%02X", bytes[2]))
    }
    guard let count = product(shape), let needed = product([count, size]) else {
      throw DataFileError(file: file, problem: "the header's dimensions \(shape) multiply beyond any file's size")
    }
    guard bytes.count - start >= needed else {
      throw DataFileError(
        file: file,
        problem: "truncated: the header promises \(count) values but the file holds \((bytes.count - start) / size)")
    }
    // With no examples the product above is 0 whatever the other dimensions, so they are checked on their own.
    guard shape[0] > 0, let dimension = product(Array(shape.dropFirst())), dimension > 0 else {
      throw DataFileError(file: file, problem: "it holds no examples")
    }
    try requireMemory(forValues: count, file: file)
    return Table(
      rows: try values(count: count, dimension: dimension, file: file, shouldStop: shouldStop, read: read),
      dimension: dimension,
      imageSize: shape.count == 3 ? (width: shape[2], height: shape[1]) : nil)
  }

  // MARK: NPY

  /// NPY (numpy.save): magic "\x93NUMPY", version, header length, a Python dict
  /// literal with descr, fortran_order and shape, then the values.
  static func npy(_ bytes: [UInt8], file: String, shouldStop: () -> Bool) throws(DataFileError) -> Table {
    guard bytes.count >= 10, Array(bytes[0..<6]) == [0x93] + Array("NUMPY".utf8) else {
      throw DataFileError(file: file, problem: "not an NPY file (no \\x93NUMPY magic)")
    }
    let major = bytes[6]
    let headerLength =
      major == 1
      ? Int(bytes[8]) | Int(bytes[9]) << 8
      : (bytes.count >= 12 ? (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) } : -1)
    let headerStart = major == 1 ? 10 : 12
    guard headerLength >= 0, bytes.count >= headerStart + headerLength else {
      throw DataFileError(file: file, problem: "truncated NPY header")
    }
    let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
    func field(_ key: String) -> String? {
      guard let range = header.range(of: "'\(key)':") else { return nil }
      return String(header[range.upperBound...]).trimmingCharacters(in: .whitespaces)
    }
    guard let descrField = field("descr"), let descr = descrField.split(separator: "'").first.map(String.init) else {
      throw DataFileError(file: file, problem: "NPY header has no descr")
    }
    if field("fortran_order")?.hasPrefix("True") == true {
      throw DataFileError(
        file: file, problem: "Fortran-ordered arrays are not supported; save with numpy.ascontiguousarray")
    }
    guard let shapeField = field("shape"), let open = shapeField.firstIndex(of: "("),
      let close = shapeField[open...].firstIndex(of: ")")
    else { throw DataFileError(file: file, problem: "NPY header has no shape") }
    let elements = shapeField[shapeField.index(after: open)..<close].split(separator: ",").map {
      $0.trimmingCharacters(in: .whitespaces)
    }.filter { !$0.isEmpty }
    var shape: [Int] = []
    for element in elements {
      guard let value = Int(element) else {
        throw DataFileError(
          file: file, problem: "shape element '\(element)' is not a whole number that fits in 64 bits")
      }
      shape.append(value)
    }
    guard (1...3).contains(shape.count), shape.allSatisfy({ $0 > 0 }) else {
      throw DataFileError(file: file, problem: "shape \(shape) is not (examples, values) or (examples, height, width)")
    }
    let start = headerStart + headerLength
    guard let count = product(shape), product([count, 8]) != nil else {
      throw DataFileError(file: file, problem: "shape \(shape) multiplies beyond any file's size")
    }
    let size: Int
    let read: (Int) -> Float
    func little(_ offset: Int, _ width: Int) -> UInt64 {
      (0..<width).reduce(0) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
    }
    switch descr {
    case "<f4": (size, read) = (4, { Float(bitPattern: UInt32(little(start + 4 * $0, 4))) })
    case "<f8": (size, read) = (8, { Float(Double(bitPattern: little(start + 8 * $0, 8))) })
    case "|u1", "<u1", "u1": (size, read) = (1, { Float(bytes[start + $0]) / 255 })
    default:
      throw DataFileError(
        file: file,
        problem: "dtype \(descr) is not supported; vaelab reads float32 (<f4), float64 (<f8) and uint8 (|u1)")
    }
    guard bytes.count - start >= count * size else {
      throw DataFileError(
        file: file,
        problem: "truncated: shape \(shape) needs \(count * size) bytes of data, the file holds \(bytes.count - start)")
    }
    let dimension = count / shape[0]
    try requireMemory(forValues: count, file: file)
    return Table(
      rows: try values(count: count, dimension: dimension, file: file, shouldStop: shouldStop, read: read),
      dimension: dimension,
      imageSize: shape.count == 3 ? (width: shape[2], height: shape[1]) : nil)
  }

  // MARK: CSV

  /// CSV: comma-separated numbers, one example a line; a first line that is
  /// not all numbers is a header. `labelColumn` (a header name or a 0-based
  /// index) is left out of the values and kept as the table's labels. Read a line at a time, so that only the
  /// values are kept (a file of short fields split whole would take many times
  /// its size).
  static func csv(
    _ bytes: [UInt8], file: String, labelColumn: String?, shouldStop: () -> Bool
  ) throws(DataFileError) -> Table {
    guard let text = String(validating: bytes, as: UTF8.self) else {
      throw DataFileError(file: file, problem: "not UTF-8 text")
    }
    // At most one value per comma or line break.
    try requireMemory(
      forValues: bytes.count(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\n") }) + 1, file: file)
    var width: Int? = nil
    var dropped: Int? = nil
    var labels: [String] = []
    var rows: [Float] = []
    var lineNumber = 0
    var index = text.startIndex
    while index < text.endIndex {
      let end = text[index...].firstIndex(where: \.isNewline) ?? text.endIndex
      let line = text[index..<end]
      index = end < text.endIndex ? text.index(after: end) : end
      lineNumber += 1
      if lineNumber % 65536 == 1 && shouldStop() { throw .interrupted(file) }
      let fields = line.split(separator: ",", omittingEmptySubsequences: false).map {
        $0.trimmingCharacters(in: .whitespaces)
      }
      if fields.count == 1 && fields[0].isEmpty { continue }
      guard let expected = width else {
        // The first line: a header unless every field is a number.
        width = fields.count
        let header = fields.contains(where: { Float($0) == nil }) ? fields : nil
        if let labelColumn {
          dropped = Int(labelColumn) ?? header?.firstIndex(of: labelColumn)
          guard let column = dropped, column >= 0, column < fields.count else {
            throw DataFileError(file: file, problem: "no column '\(labelColumn)' to use as the label")
          }
        }
        if header != nil { continue }
        try append(fields)
        continue
      }
      guard fields.count == expected else {
        throw DataFileError(
          file: file, problem: "line \(lineNumber) has \(fields.count) fields; the first has \(expected)")
      }
      try append(fields)
    }
    func append(_ fields: [String]) throws(DataFileError) {
      if let dropped { labels.append(fields[dropped]) }
      for (column, field) in fields.enumerated() where column != dropped {
        guard let value = Float(field), value.isFinite else {
          throw DataFileError(
            file: file,
            problem:
              "line \(lineNumber), column \(column + 1) is not a finite number (CSV values are decimal numbers such as 0.5 or -1e-3; only the first line may be a header)"
          )
        }
        rows.append(value)
      }
    }
    guard let width else { throw DataFileError(file: file, problem: "it is empty") }
    let dimension = width - (dropped == nil ? 0 : 1)
    guard !rows.isEmpty, dimension > 0 else { throw DataFileError(file: file, problem: "it holds no values") }
    return Table(
      rows: rows, dimension: dimension, imageSize: nil, labels: dropped == nil ? nil : labels)
  }

  /// Refuses `count` values when their float32 rows, with the training and
  /// held-out copies a data set makes of them, would pass the memory budget.
  static func requireMemory(forValues count: Int, file: String) throws(DataFileError) {
    let what = "its \(count) values as float32 (with a data set's training and held-out copies)"
    if let refusal = MemoryBudget.refusal(product([count, 8]), for: what) {
      throw DataFileError(file: file, problem: refusal)
    }
  }
}
