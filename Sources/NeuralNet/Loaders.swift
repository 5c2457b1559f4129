import CZlib
import Foundation

/// Why a data file could not be read: the file and the problem.
public struct DataFileError: Error, Equatable, Sendable, CustomStringConvertible {
  public let file: String
  public let problem: String
  public var description: String { "\(file): \(problem)" }
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
  }

  /// By extension: .idx / -ubyte (optionally .gz), .npy, .csv.
  public static func load(_ path: String, bytes: [UInt8], labelColumn: String? = nil) throws(DataFileError) -> Table {
    let plain = try isGzip(bytes) ? gunzip(bytes, file: path) : bytes
    let name = path.hasSuffix(".gz") ? String(path.dropLast(3)) : path
    if name.hasSuffix(".npy") { return try npy(plain, file: path) }
    if name.hasSuffix(".csv") { return try csv(plain, file: path, labelColumn: labelColumn) }
    if name.hasSuffix(".idx") || name.contains("-ubyte") || name.contains("idx") { return try idx(plain, file: path) }
    throw DataFileError(
      file: path, problem: "unknown format; vaelab reads .npy, .csv and IDX (.idx, *-ubyte, also .gz)")
  }

  static func isGzip(_ bytes: [UInt8]) -> Bool { bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B }

  /// Inflates a gzip stream with zlib.
  static func gunzip(_ bytes: [UInt8], file: String) throws(DataFileError) -> [UInt8] {
    var stream = z_stream()
    guard vaelab_inflate_init_gzip(&stream) == Z_OK else {
      throw DataFileError(file: file, problem: "zlib failed to start")
    }
    defer { inflateEnd(&stream) }
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    var input = bytes
    let status: Int32 = input.withUnsafeMutableBufferPointer { source in
      stream.next_in = source.baseAddress
      stream.avail_in = uInt(source.count)
      var result = Z_OK
      while result == Z_OK {
        result = chunk.withUnsafeMutableBufferPointer { buffer in
          stream.next_out = buffer.baseAddress
          stream.avail_out = uInt(buffer.count)
          let code = inflate(&stream, Z_NO_FLUSH)
          output.append(contentsOf: buffer[0..<(buffer.count - Int(stream.avail_out))])
          return code
        }
        if output.count > 1 << 31 { return Z_MEM_ERROR }
      }
      return result
    }
    guard status == Z_STREAM_END else {
      throw DataFileError(file: file, problem: "the gzip data is corrupt or truncated (zlib status \(status))")
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

  /// The values, refused where one is NaN or infinite (including a float64
  /// beyond float32's range): training on them would only spread NaN.
  static func finiteRows(_ rows: [Float], dimension: Int, file: String) throws(DataFileError) -> [Float] {
    if let bad = rows.firstIndex(where: { !$0.isFinite }) {
      throw DataFileError(
        file: file,
        problem:
          "value \(bad % dimension) of example \(bad / dimension) is not a finite number (NaN, infinite, or beyond float32's 3.4e38)"
      )
    }
    return rows
  }

  // MARK: IDX

  /// IDX (LeCun's MNIST format): two zero bytes, a type byte, the number of
  /// dimensions, each dimension as a big-endian UInt32, then big-endian values.
  static func idx(_ bytes: [UInt8], file: String) throws(DataFileError) -> Table {
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
    let dimension = shape.dropFirst().reduce(1, *)
    guard shape[0] > 0, dimension > 0 else { throw DataFileError(file: file, problem: "it holds no examples") }
    return Table(
      rows: try finiteRows((0..<count).map(read), dimension: dimension, file: file), dimension: dimension,
      imageSize: shape.count == 3 ? (width: shape[2], height: shape[1]) : nil)
  }

  // MARK: NPY

  /// NPY (numpy.save): magic "\x93NUMPY", version, header length, a Python dict
  /// literal with descr, fortran_order and shape, then the values.
  static func npy(_ bytes: [UInt8], file: String) throws(DataFileError) -> Table {
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
      let close = shapeField.firstIndex(of: ")")
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
    let dimension = shape.dropFirst().reduce(1, *)
    return Table(
      rows: try finiteRows((0..<count).map(read), dimension: dimension, file: file), dimension: dimension,
      imageSize: shape.count == 3 ? (width: shape[2], height: shape[1]) : nil)
  }

  // MARK: CSV

  /// CSV: comma-separated numbers, one example a line; a first line that is
  /// not all numbers is a header. `labelColumn` (a header name or a 0-based
  /// index) is dropped from the values.
  static func csv(_ bytes: [UInt8], file: String, labelColumn: String?) throws(DataFileError) -> Table {
    guard let text = String(validating: bytes, as: UTF8.self) else {
      throw DataFileError(file: file, problem: "not UTF-8 text")
    }
    var lines = text.split(whereSeparator: \.isNewline).map {
      $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    }
    .filter { !($0.count == 1 && $0[0].isEmpty) }
    guard let first = lines.first else { throw DataFileError(file: file, problem: "it is empty") }
    var header: [String]? = nil
    if first.contains(where: { Float($0) == nil }) {
      header = first
      lines.removeFirst()
    }
    var dropped: Int? = nil
    if let labelColumn {
      dropped = Int(labelColumn) ?? header?.firstIndex(of: labelColumn)
      guard let index = dropped, index >= 0, index < first.count else {
        throw DataFileError(file: file, problem: "no column '\(labelColumn)' to use as the label")
      }
    }
    let width = first.count
    var rows: [Float] = []
    for (number, fields) in lines.enumerated() {
      let lineNumber = number + (header == nil ? 1 : 2)
      guard fields.count == width else {
        throw DataFileError(
          file: file, problem: "line \(lineNumber) has \(fields.count) fields; the first has \(width)")
      }
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
    let dimension = width - (dropped == nil ? 0 : 1)
    guard !rows.isEmpty, dimension > 0 else { throw DataFileError(file: file, problem: "it holds no values") }
    return Table(rows: rows, dimension: dimension, imageSize: nil)
  }
}
