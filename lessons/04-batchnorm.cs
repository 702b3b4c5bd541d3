#:project ../src/Nabla/Nabla.csproj
#:package ScottPlot
// Lesson 4 — makemore, part 3: activations, gradients, initialization and batch normalization.
// Run from the repository root:  dotnet run lessons/04-batchnorm.cs      (names.txt from $NABLA_DATA_DIR)
//
// The path of Karpathy's lecture "Building makemore Part 3: Activations & Gradients, BatchNorm":
//   1. the first loss should be ln 27 ≈ 3.30, not 27: make the output layer small;
//   2. tanh saturation: pre-activations too wide put most units where tanh is flat and passes no gradient;
//   3. Kaiming initialization: scale weights by gain / √fan_in to keep activations at unit size;
//   4. a deep tanh network, its activation and gradient statistics layer by layer, with and without BatchNorm;
//   5. training the lecture's network with BatchNorm (Nabla.Models.BatchNormMlp).
// The lecture trains 200,000 steps; this lesson trains 10,000 so that it runs in seconds. The full run is
//   dotnet run -c Release --project benchmarks/Nabla.Benchmarks -- makemore-quality bnmlp
// and its numbers are in docs/results.md. Pictures go to out/04-batchnorm/.
// The library code: src/Nabla/NN/BatchNorm1d.cs, src/Nabla/NN/Init.cs, src/Nabla/Models/BatchNormMlp.cs.
using System.Globalization;
using Nabla.Data;
using Nabla.Models;
using Nabla.NN;
using Nabla.Optim;
using Nabla.Tensors;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
string outDir = Path.Combine("out", "04-batchnorm");
Directory.CreateDirectory(outDir);
var words = Words.Load(Datasets.Resolve("names.txt"));
WordSplits split = words.Split(WordSplit.Lecture);
var (xtr, ytr) = words.Contexts(split.Train, 3);
var (xdev, ydev) = words.Contexts(split.Val, 3);
var g = new Generator(2147483647);
Tensor ix = Tensor.RandInt(0, xtr.Size(0), [32], g);
Tensor xb = xtr[ix], yb = ytr[ix];

// ---- 1. The first loss -----------------------------------------------------------------------------------
// Before training, no character should be favoured: every probability 1/27, loss −ln(1/27) = 3.30. Lecture 2's
// N(0, 1) output weights make the logits large and confidently wrong, so the first steps are spent only
// squashing them. Scaling W2 by 0.01 and zeroing b2 starts where the loss should be.
Tensor C = Tensor.Randn([27, 10], g);
Tensor emb = C[xb].Reshape(32, 30);
Tensor W1 = Tensor.Randn([30, 200], g), b1 = Tensor.Randn([200], g);
Tensor W2 = Tensor.Randn([200, 27], g);
Tensor hpreact = emb.MatMul(W1) + b1;
Tensor h = hpreact.Tanh();
Console.WriteLine("1. the first loss");
Console.WriteLine($"   expected −ln(1/27) = {-MathF.Log(1f / 27f):F4}");
Console.WriteLine($"   N(0, 1) output layer:         {(h.MatMul(W2) + Tensor.Randn([27], g)).CrossEntropy(yb).Item():F4}");
Console.WriteLine($"   W2 · 0.01 and b2 = 0:         {h.MatMul(W2 * 0.01f).CrossEntropy(yb).Item():F4}");

// ---- 2. tanh saturation ----------------------------------------------------------------------------------
// hpreact sums 30 products of unit-size numbers: its spread is about √30 ≈ 5.5. tanh of that is ±1 almost
// everywhere, and there tanh's derivative 1 − t² is 0: those units learn nothing from this batch.
float Saturated(Tensor t) => t.Abs().Gt(0.99f).ToFloat32().Mean().Item();
Tensor W1Kaiming = W1 * (5f / 3f / MathF.Sqrt(30f));
Tensor hKaiming = (emb.MatMul(W1Kaiming) + b1 * 0.01f).Tanh();
Console.WriteLine();
Console.WriteLine("2. tanh saturation");
Console.WriteLine($"   N(0, 1) W1: hpreact std {hpreact.Std().Item():F2}, |h| > 0.99 for {Saturated(h):P0} of units");
Console.WriteLine($"   Kaiming W1: hpreact std {(emb.MatMul(W1Kaiming) + b1 * 0.01f).Std().Item():F2}, |h| > 0.99 for {Saturated(hKaiming):P0} of units");
SaveHistograms(Path.Combine(outDir, "tanh-saturation.png"), "hidden activations h = tanh(hpreact), one batch",
    [("N(0, 1) W1", h), ("Kaiming W1 (gain 5/3)", hKaiming)]);

// ---- 3. Kaiming initialization ---------------------------------------------------------------------------
// x @ W with x and W of unit variance has variance fan_in. Dividing W by √fan_in keeps it at 1 (He et al. 2015);
// tanh squashes, so its layers need a gain of 5/3 to keep the spread from shrinking layer after layer.
Tensor x = Tensor.Randn([1000, 10], g), w = Tensor.Randn([10, 200], g);
Console.WriteLine();
Console.WriteLine("3. Kaiming initialization");
Console.WriteLine($"   x std {x.Std().Item():F3};  (x @ W) std {x.MatMul(w).Std().Item():F3};  (x @ W/√10) std {x.MatMul(w / MathF.Sqrt(10f)).Std().Item():F3}");
Console.WriteLine($"   Init.Gain: tanh {Init.Gain(Nonlinearity.Tanh):F4}, ReLU {Init.Gain(Nonlinearity.Relu):F4}, linear {Init.Gain(Nonlinearity.Linear):F4}");

// ---- 4. A deep network, layer by layer -------------------------------------------------------------------
// Five tanh layers of 100, as the lecture's. Each block is cut from the next (its input a fresh leaf), so that
// after the backward pass every tanh output's gradient can be read: the chain rule run segment by segment.
Console.WriteLine();
Console.WriteLine("4. activation and gradient statistics of 5 tanh layers (one batch of 32)");
foreach (var (name, gain, batchNorm) in new[] { ("gain 1", 1f, false), ("gain 5/3", 5f / 3f, false), ("gain 3", 3f, false), ("gain 5/3 + BatchNorm", 5f / 3f, true) })
{
    var (activations, gradients) = DeepNetworkStatistics(gain, batchNorm, new Generator(42));
    Console.WriteLine($"   {name}:");
    for (int layer = 0; layer < activations.Count; layer++)
        Console.WriteLine($"     layer {layer + 1} (Tanh): mean {activations[layer].Mean().Item(),6:F2}, std {activations[layer].Std().Item():F2}, saturated {Saturated(activations[layer]),4:P0}, gradient std {gradients[layer].Std().Item():E2}");
    if (gain == 5f / 3f && !batchNorm)
    {
        SaveHistograms(Path.Combine(outDir, "activations.png"), "activation distribution, gain 5/3",
            activations.Select((a, i) => ($"layer {i + 1} (Tanh)", a)).ToArray());
        SaveHistograms(Path.Combine(outDir, "gradients.png"), "gradient distribution, gain 5/3",
            gradients.Select((d, i) => ($"layer {i + 1} (Tanh)", d)).ToArray());
    }
}
Console.WriteLine("   gain 1 shrinks the spread layer by layer, gain 3 saturates, 5/3 holds it; with BatchNorm every layer has the same spread.");

// ---- 5. Training with BatchNorm --------------------------------------------------------------------------
// BatchNorm normalizes each hidden unit over the batch, then scales and shifts it by learned parameters. The
// bias before it is useless (the mean is subtracted), so the hidden Linear has none. In evaluation it uses the
// running mean and variance kept during training, so one example alone gets a prediction.
const int Steps = 10_000;
var model = new BatchNormMlp(new MakemoreConfig(), new Generator(2147483647));
Console.WriteLine();
Console.WriteLine($"5. Nabla.Models.BatchNormMlp ({model.ParameterCount():N0} parameters), {Steps:N0} steps of batch 32");
Console.WriteLine($"   first loss {ContextTraining.Loss(model, xdev, ydev):F4}");
ContextTraining.Train(model, xtr, ytr, Steps, new LearningRateSchedule.StepDecay(0.1f, 7_500, 0.1f), new Generator(42));
Console.WriteLine($"   train loss {ContextTraining.Loss(model, xtr, ytr):F4}");
Console.WriteLine($"   dev loss {ContextTraining.Loss(model, xdev, ydev):F4}");
Console.WriteLine($"   running mean of the first 5 units: {string.Join(", ", model.Norm.RunningMean.ToArray()[..5].Select(v => v.ToString("F3")))}");
return 0;

// The tanh outputs of each of 5 layers and their gradients, for one batch through a fresh network.
(List<Tensor> Activations, List<Tensor> Gradients) DeepNetworkStatistics(float gain, bool batchNorm, Generator generator)
{
    var table = new Embedding(27, 10, generator);
    var blocks = new List<Sequential>();
    for (int layer = 0; layer < 5; layer++)
    {
        var linear = new Linear(layer == 0 ? 30 : 100, 100, bias: !batchNorm, generator: generator);
        Init.Normal(linear.Weight, 0f, gain / MathF.Sqrt(linear.InFeatures), generator);
        blocks.Add(batchNorm ? new Sequential(linear, new BatchNorm1d(100), new Tanh()) : new Sequential(linear, new Tanh()));
    }
    var output = new Linear(100, 27, generator: generator);
    Init.Normal(output.Weight, 0f, 0.1f / MathF.Sqrt(100f), generator);  // the last layer less confident
    var outputs = new List<Tensor>();
    var leaves = new List<Tensor> { table.Forward(xb).Reshape(32, 30).Detach().RequireGrad() };
    foreach (Sequential block in blocks)
    {
        outputs.Add(block.Forward(leaves[^1]));
        leaves.Add(outputs[^1].Detach().RequireGrad());
    }
    output.Forward(leaves[^1]).CrossEntropy(yb).Backward();
    for (int layer = blocks.Count - 1; layer >= 0; layer--)
        outputs[layer].Backward(leaves[layer + 1].Grad!);   // the gradient arriving at block i's output, passed into it
    return (leaves.Skip(1).ToList(), leaves.Skip(1).Select(l => l.Grad!).ToList());
}

// One line per tensor: the density of its values in 60 bins, as the lecture's torch.histogram(density=True).
void SaveHistograms(string path, string title, (string Label, Tensor Values)[] series)
{
    var plot = new ScottPlot.Plot();
    foreach (var (label, values) in series)
    {
        float[] v = values.ToArray();
        float low = v.Min(), high = v.Max();
        const int Bins = 60;
        double width = Math.Max(high - low, 1e-12) / Bins;
        var counts = new double[Bins];
        foreach (float value in v) counts[Math.Min(Bins - 1, (int)((value - low) / width))]++;
        double[] centers = Enumerable.Range(0, Bins).Select(i => low + (i + 0.5) * width).ToArray();
        plot.Add.ScatterLine(centers, counts.Select(c => c / (v.Length * width)).ToArray()).LegendText = label;
    }
    plot.Title(title);
    plot.YLabel("density");
    plot.ShowLegend();
    plot.SavePng(path, 800, 450);
    Console.WriteLine($"   histogram: {path}");
}
