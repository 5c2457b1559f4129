import Foundation
import Probability
import Testing

@testable import NeuralNet

struct TrainingTests {
  func trainer(seed: UInt64, data: Dataset, configuration: VAEConfiguration) -> Trainer<Float> {
    var generator = Xoshiro256StarStar(seed: seed)
    let model = VAE<Float>(configuration, generator: &generator)
    return Trainer(
      model: model, optimizer: Optimizer(.adam, learningRate: 1e-3), examples: data.training, batchSize: 64,
      generator: generator)
  }

  func heldOutLoss(_ model: VAE<Float>, _ data: Dataset) -> Double {
    var generator = Xoshiro256StarStar(seed: 99)
    let noise = (0..<(data.heldOutCount * model.configuration.latent)).map { _ in
      Float(NormalSampler.next(using: &generator))
    }
    let losses = model.forward(data.heldOut, noise: noise)
    return losses.reconstruction + losses.kl
  }

  /// Same seed, data and configuration: bit-identical weights after training.
  @Test func trainingIsDeterministic() throws {
    let data = BuiltInData.shapes(count: 512, seed: 1)
    let configuration = VAEConfiguration(inputs: data.dimension, hidden: 32, latent: 3)
    let (a, b) = (
      trainer(seed: 5, data: data, configuration: configuration),
      trainer(seed: 5, data: data, configuration: configuration)
    )
    for _ in 0..<30 {
      try a.step()
      try b.step()
    }
    for ((_, x), (_, y)) in zip(a.model.layers, b.model.layers) {
      #expect(x.weight == y.weight)
      #expect(x.bias == y.bias)
    }
  }

  /// Training on the built-in images lowers the held-out loss (the negative ELBO)
  /// from about 178 nats to below 60 within 600 steps.
  @Test func trainingImprovesTheHeldOutELBO() throws {
    let data = BuiltInData.shapes(seed: 0)
    let trainer = trainer(
      seed: 2, data: data, configuration: VAEConfiguration(inputs: data.dimension, hidden: 128, latent: 4))
    let before = heldOutLoss(trainer.model, data)
    for _ in 0..<600 { try trainer.step() }
    let after = heldOutLoss(trainer.model, data)
    #expect(before > 150)
    #expect(after < 60, "held-out loss \(before) -> \(after)")
  }

  @Test func theGaussianToyTrainsToo() throws {
    let data = BuiltInData.pinwheel(count: 2048, seed: 0)
    let trainer = trainer(
      seed: 4, data: data, configuration: VAEConfiguration(inputs: 2, hidden: 64, latent: 2, likelihood: .gaussian))
    let before = heldOutLoss(trainer.model, data)
    for _ in 0..<600 { try trainer.step() }
    #expect(heldOutLoss(trainer.model, data) < before - 0.5)
  }

  @Test func aNonFiniteStepIsNotApplied() {
    let data = BuiltInData.shapes(count: 256, seed: 1)
    var generator = Xoshiro256StarStar(seed: 1)
    let model = VAE<Float>(VAEConfiguration(inputs: data.dimension, hidden: 8, latent: 2), generator: &generator)
    model.fc1.weight[0] = .nan
    let weights = model.fc4.weight
    let trainer = Trainer(
      model: model, optimizer: Optimizer(.adam, learningRate: 1e-3), examples: data.training, batchSize: 16,
      generator: generator)
    #expect(throws: Trainer<Float>.StepError.self) { try trainer.step() }
    #expect(model.fc4.weight == weights)
    #expect(trainer.steps == 0)
  }

  /// The average per-dimension variance, against RunningMoments column by column.
  @Test func meanVarianceAveragesTheColumnVariances() {
    let data = BuiltInData.pinwheel(count: 300, seed: 2)
    let columns = (0..<data.dimension).map { d in
      RunningMoments((0..<data.trainingCount).map { Double(data.training[$0 * data.dimension + d]) }).variance
    }
    #expect(data.meanVariance == columns.reduce(0, +) / Double(data.dimension))
    #expect(data.meanVariance > 0.1)
    let one = Dataset(name: "one", dimension: 2, training: [1, 2], heldOut: [], imageSize: nil)
    #expect(one.meanVariance == 0)
  }

  @Test func shapesAreImagesInTheUnitInterval() {
    let data = BuiltInData.shapes(count: 100, seed: 3)
    #expect(data.dimension == 256)
    #expect(data.trainingCount == 90 && data.heldOutCount == 10)
    #expect(data.isUnitInterval)
    // Every image has some ink and some background.
    for row in 0..<data.trainingCount {
      let pixels = data.training[(row * 256)..<((row + 1) * 256)]
      #expect(pixels.contains(1) && pixels.contains(0))
    }
  }

  /// The factors travel with their images through the shuffle: each image's
  /// ink is centred where its x and y factors say (to half a pixel; the
  /// triangle's centroid sits lower than its box's centre), and its area grows
  /// with the square of its scale, as its shape's area formula says.
  @Test func shapesFactorsDescribeTheirImages() throws {
    let data = BuiltInData.shapes(count: 300, seed: 5)
    let shape = try #require(data.factor(named: "shape"))
    let (x, y, scale) = try (
      #require(data.factor(named: "x")), #require(data.factor(named: "y")), #require(data.factor(named: "scale"))
    )
    #expect(shape.classes == ["square", "disc", "triangle"] && x.classes == nil)
    #expect(shape.heldOut.count == data.heldOutCount && scale.training.count == data.trainingCount)
    for row in 0..<data.heldOutCount {
      let pixels = data.heldOut[(row * 256)..<((row + 1) * 256)].map(Double.init)
      let ink = pixels.reduce(0, +)
      let cx = pixels.enumerated().reduce(0) { $0 + Double($1.offset % 16) * $1.element } / ink + 0.5
      let cy = pixels.enumerated().reduce(0) { $0 + Double($1.offset / 16) * $1.element } / ink + 0.5
      let r = scale.heldOut[row]
      // In units of r: the square's side is 1.7; the disc's radius 1; the
      // triangle's apex is at -0.9, its base of width 2 at 0.8 (y grows
      // downwards), so its area is 1.7 and its centroid 0.7 / 3 below the centre.
      let isTriangle = shape.heldOut[row] == 2
      let area = [1.7 * 1.7, Double.pi, 1.7][Int(shape.heldOut[row])] * r * r
      // Supersampling places each edge to 1/8 of a pixel: an error of at most
      // an eighth of the perimeter (below 7 r for all three).
      #expect(abs(ink - area) <= 7 * r / 8, "area of held-out \(row)")
      #expect(abs(cx - x.heldOut[row]) <= 0.25, "x of held-out \(row)")
      #expect(abs(cy - y.heldOut[row] - (isTriangle ? 0.7 / 3 * r : 0)) <= 0.25, "y of held-out \(row)")
    }
  }
}

struct SafetensorsTests {
  @Test func roundTripKeepsEveryWeightExactly() throws {
    var generator = Xoshiro256StarStar(seed: 7)
    let model = VAE<Float>(
      VAEConfiguration(inputs: 6, hidden: 5, latent: 2, activation: .tanh, likelihood: .gaussian, beta: 2),
      generator: &generator)
    let bytes = Safetensors.encode(model, metadata: ["vaelab_data": "x"])
    #expect(bytes.count % 4 == 0)
    let checkpoint = try Safetensors.decode(bytes)
    #expect(checkpoint.model.configuration == model.configuration)
    #expect(checkpoint.metadata == ["vaelab_data": "x"])
    for ((_, a), (_, b)) in zip(model.layers, checkpoint.model.layers) {
      #expect(a.weight == b.weight)
      #expect(a.bias == b.bias)
    }
  }

  /// Checkpoints from before activations were configurable have none in their configuration: ReLU.
  @Test func aConfigurationWithoutAnActivationIsReLU() throws {
    let text = #"{"inputs":6,"hidden":[5],"latent":2,"likelihood":"bernoulli","beta":1,"kind":"vae","variance":1}"#
    let configuration = try JSONDecoder().decode(VAEConfiguration.self, from: Data(text.utf8))
    #expect(configuration == VAEConfiguration(inputs: 6, hidden: 5, latent: 2))
    let empty = text.replacingOccurrences(of: "[5]", with: "[]")
    #expect(throws: DecodingError.self) { try JSONDecoder().decode(VAEConfiguration.self, from: Data(empty.utf8)) }
  }

  @Test func badFilesAreRefusedWithAReason() throws {
    var generator = Xoshiro256StarStar(seed: 7)
    let model = VAE<Float>(VAEConfiguration(inputs: 6, hidden: 5, latent: 2), generator: &generator)
    let good = Safetensors.encode(model)
    #expect(throws: CheckpointError.malformed("it is 3 bytes long, shorter than a safetensors header")) {
      try Safetensors.decode([1, 2, 3])
    }
    #expect(
      throws: CheckpointError.malformed(
        "its configuration needs 110 float32 values but the file holds 109 (is it truncated?)")
    ) {
      try Safetensors.decode(Array(good.dropLast(4)))
    }
    // Offsets that disagree with the shape: fc1.weight's range moved by 4 bytes.
    let pattern = Array(#""data_offsets":[0,"#.utf8)
    var corrupted = good
    let start = try #require(
      (0...(good.count - pattern.count)).first { Array(good[$0..<($0 + pattern.count)]) == pattern })
    corrupted[start + pattern.count - 2] = UInt8(ascii: "4")
    #expect(
      throws: CheckpointError.malformed("tensor fc1.weight's data_offsets do not fit the file (is it truncated?)")
    ) {
      try Safetensors.decode(corrupted)
    }
    // A safetensors file without vaelab's configuration.
    let foreign = Array("{\"__metadata__\":{\"format\":\"pt\"}}".utf8)
    let header = withUnsafeBytes(of: UInt64(foreign.count).littleEndian) { Array($0) }
    #expect(
      throws: CheckpointError.notVaelab("it has no vaelab_config in __metadata__, so it was not written by vaelab")
    ) {
      try Safetensors.decode(header + foreign)
    }
  }
}
