import Testing

@testable import Probability

/// Reference outputs from the authors' C code (xoshiro256starstar.c and
/// splitmix64.c from prng.di.unimi.it), compiled with gcc.
struct Xoshiro256StarStarTests {
  @Test func matchesTheReferenceImplementationForRawState() {
    var generator = Xoshiro256StarStar(state: (1, 2, 3, 4))
    let expected: [UInt64] = [11520, 0, 1_509_978_240, 1_215_971_899_390_074_240, 1_216_172_134_540_287_360]
    #expect((0..<5).map { _ in generator.next() } == expected)
  }

  @Test(arguments: [
    (UInt64(0), [0x99EC_5F36_CB75_F2B4, 0xBF6E_1F78_4956_452A, 0x1A5F_849D_4933_E6E0] as [UInt64]),
    (UInt64(1), [0xB3F2_AF6D_0FC7_10C5, 0x853B_5596_4736_4CEA, 0x92F8_9756_082A_4514] as [UInt64]),
  ])
  func seedsThroughSplitMix64LikeTheReference(seed: UInt64, expected: [UInt64]) {
    var generator = Xoshiro256StarStar(seed: seed)
    #expect((0..<3).map { _ in generator.next() } == expected)
  }

  @Test func uniformsLieInTheirIntervals() {
    var generator = Xoshiro256StarStar(seed: 7)
    for _ in 0..<100_000 {
      let u = generator.nextUniform()
      let positive = generator.nextUniformPositive()
      #expect(u >= 0 && u < 1)
      #expect(positive > 0 && positive <= 1)
    }
  }
}
