/// Adaptive Gauss-Kronrod quadrature (the 7-point Gauss rule embedded in the
/// 15-point Kronrod rule; R. Piessens et al., QUADPACK, Springer 1983, routine
/// qk15). The difference between the two rules estimates the error, and a panel
/// whose estimate is too large is halved, so kinks (such as abs) and peaks get
/// the points they need. Integrands are vector-valued: several integrals share
/// one set of panels, evaluated a panel at a time.
public enum GaussKronrod {
  /// Kronrod nodes on [-1, 1]: +-x[i], with x[7] = 0. Odd indices are the Gauss nodes.
  static let nodes: [Double] = [
    0.991_455_371_120_812_639_206_854_697_526_329, 0.949_107_912_342_758_524_526_189_684_047_851,
    0.864_864_423_359_769_072_789_712_788_640_926, 0.741_531_185_599_394_439_863_864_773_280_788,
    0.586_087_235_467_691_130_294_144_845_693_013, 0.405_845_151_377_397_166_906_606_412_076_961,
    0.207_784_955_007_898_467_600_689_403_773_245, 0,
  ]
  static let kronrodWeights: [Double] = [
    0.022_935_322_010_529_224_963_732_008_058_970, 0.063_092_092_629_978_553_290_700_663_189_204,
    0.104_790_010_322_250_183_839_876_322_541_518, 0.140_653_259_715_525_918_745_189_590_510_238,
    0.169_004_726_639_267_902_826_583_426_598_550, 0.190_350_578_064_785_409_913_256_402_421_014,
    0.204_432_940_075_298_892_414_161_999_234_649, 0.209_482_141_084_727_828_012_999_174_891_714,
  ]
  /// Gauss weights of nodes[1], nodes[3], nodes[5] and nodes[7].
  static let gaussWeights: [Double] = [
    0.129_484_966_168_869_693_270_611_432_679_082, 0.279_705_391_489_276_667_901_467_771_423_780,
    0.381_830_050_505_118_944_950_369_775_488_975, 0.417_959_183_673_469_387_755_102_040_816_327,
  ]

  /// The 15 abscissae of a panel [a, b], in a fixed order.
  static func abscissae(_ a: Double, _ b: Double) -> [Double] {
    let (center, half) = (0.5 * (a + b), 0.5 * (b - a))
    return (0..<7).flatMap { [center - half * nodes[$0], center + half * nodes[$0]] } + [center]
  }

  public struct Result: Sendable {
    public var values: [Double]
    /// Sum over panels of |Kronrod - Gauss|, per component.
    public var errors: [Double]
  }

  /// Integrals over [lower, upper] of each of `components` functions.
  /// `integrand(xs)` returns, for the points `xs`, the values component by
  /// component: result[c * xs.count + i] is component c at xs[i].
  ///
  /// The range starts as `panels` equal panels; a panel is halved until, for every
  /// component, its error estimate is below its share of `tolerance` or below
  /// `relativeTolerance` times its own value, down to `maximumDepth` halvings and
  /// at most `maximumPanels` panels in all.
  public static func integrate(
    from lower: Double, to upper: Double, components: Int, panels: Int = 16, tolerance: Double = 1e-13,
    relativeTolerance: Double = 1e-13, maximumDepth: Int = 40, maximumPanels: Int = 20_000,
    integrand: ([Double]) -> [Double]
  ) -> Result {
    var values = [Double](repeating: 0, count: components)
    var errors = [Double](repeating: 0, count: components)
    var panelsUsed = 0
    let width = (upper - lower) / Double(panels)
    func panel(_ a: Double, _ b: Double, depth: Int) {
      panelsUsed += 1
      let xs = abscissae(a, b)
      let ys = integrand(xs)
      let half = 0.5 * (b - a)
      var kronrod = [Double](repeating: 0, count: components)
      var gauss = [Double](repeating: 0, count: components)
      for c in 0..<components {
        let y = ys[(c * 15)..<(c * 15 + 15)].map { $0 }
        var k = kronrodWeights[7] * y[14]
        var g = gaussWeights[3] * y[14]
        for i in 0..<7 {
          let pair = y[2 * i] + y[2 * i + 1]
          k += kronrodWeights[i] * pair
          if i % 2 == 1 { g += gaussWeights[i / 2] * pair }
        }
        kronrod[c] = k * half
        gauss[c] = g * half
      }
      let share = tolerance * (b - a) / (upper - lower)
      let converged = (0..<components).allSatisfy { c in
        let error = abs(kronrod[c] - gauss[c])
        return error <= share || error <= relativeTolerance * abs(kronrod[c])
      }
      let finite = kronrod.allSatisfy(\.isFinite)
      if !converged && finite && depth < maximumDepth && panelsUsed < maximumPanels {
        let middle = 0.5 * (a + b)
        panel(a, middle, depth: depth + 1)
        panel(middle, b, depth: depth + 1)
        return
      }
      for c in 0..<components {
        values[c] += kronrod[c]
        errors[c] += abs(kronrod[c] - gauss[c])
      }
    }
    for index in 0..<panels {
      panel(lower + Double(index) * width, index == panels - 1 ? upper : lower + Double(index + 1) * width, depth: 0)
    }
    return Result(values: values, errors: errors)
  }
}
