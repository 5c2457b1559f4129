import Testing

@testable import Lab

struct JSONValueEncoderTests {
  struct Inner: Encodable {
    var mu: [Double]
    var n: Int
  }

  struct Result: Encodable {
    var order: String
    var kl: Double
    var perDimension: [Double]
    var estimate: Inner?
    @Nullable var std: Double?
    var flags: [Bool]
    var byName: JSONMembers<Int>

    enum CodingKeys: String, CodingKey {
      case order, kl, perDimension = "per_dim", estimate, std, flags
      case byName = "by_name"
    }
  }

  struct Integers: Encodable {
    var seed: UInt64
    var small: UInt8
    var signed: Int32
  }

  /// Every integer type is a JSON integer (they used to encode themselves back
  /// into the encoder without end); one beyond Int's range is an error, not a crash.
  @Test func integersOfEveryWidth() throws {
    #expect(
      try JSONValueEncoder.encode(Integers(seed: 12, small: 255, signed: -7)).serialized
        == #"{"seed":12,"small":255,"signed":-7}"#)
    #expect(throws: EncodingError.self) {
      try JSONValueEncoder.encode(Integers(seed: .max, small: 0, signed: 0))
    }
  }

  @Test func keysFollowTheDeclarationsAndOptionalsAreLeftOutOrNull() throws {
    let result = Result(
      order: "qp", kl: 2, perDimension: [0, .infinity], estimate: nil, std: nil, flags: [true],
      byName: JSONMembers([("zeta", 1), ("alpha", 2)]))
    #expect(
      try JSONValueEncoder.encode(result).serialized
        == #"{"order":"qp","kl":2.0,"per_dim":[0.0,null],"std":null,"flags":[true],"by_name":{"zeta":1,"alpha":2}}"#)
    var given = result
    given.estimate = Inner(mu: [1.5], n: 3)
    given.std = 0.25
    #expect(
      try JSONValueEncoder.encode(given).serialized
        == #"{"order":"qp","kl":2.0,"per_dim":[0.0,null],"estimate":{"mu":[1.5],"n":3},"std":0.25,"flags":[true],"by_name":{"zeta":1,"alpha":2}}"#
    )
  }

  @Test func scalarsAndNestedArrays() throws {
    #expect(try JSONValueEncoder.encode(3).serialized == "3")
    #expect(try JSONValueEncoder.encode("a\"b").serialized == #""a\"b""#)
    #expect(try JSONValueEncoder.encode([[1, 2], [3]]).serialized == "[[1,2],[3]]")
    #expect(try JSONValueEncoder.encode(Float(0.5)).serialized == "0.5")
  }
}
