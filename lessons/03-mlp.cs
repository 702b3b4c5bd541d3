#:project ../src/Nabla/Nabla.csproj
#:package ScottPlot
// Lesson 3 — makemore, part 2: a multilayer perceptron over characters (Bengio et al. 2003).
// Run from the repository root:  dotnet run lessons/03-mlp.cs      (names.txt from $NABLA_DATA_DIR)
//
// The path of Karpathy's lecture "Building makemore Part 2: MLP":
//   1. the dataset: every character with the 3 characters before it, split 80 / 10 / 10 into train, dev, test;
//   2. embeddings: a table C of 27 learned vectors, and why C[X] is the same as one_hot(X) @ C;
//   3. the network by hand: concatenate, tanh hidden layer, logits, cross-entropy;
//   4. finding a learning rate: 1,000 steps with the rate growing from 10^-3 to 10^0, loss against exponent;
//   5. training the lecture's network (Nabla.Models.Mlp) and judging it on the dev split;
//   6. with 2-dimensional embeddings, a picture of what the table learned; then sampling names.
// The lecture trains 200,000 steps; this lesson trains 20,000 so that it runs in seconds. The full run is
//   dotnet run -c Release --project benchmarks/Nabla.Benchmarks -- makemore-quality mlp
// and its numbers are in docs/results.md. Pictures go to out/03-mlp/.
// The library code: src/Nabla/Models/Mlp.cs, src/Nabla/Models/ContextTraining.cs, src/Nabla/Data/Words.cs.
using System.Globalization;
using Nabla.Data;
using Nabla.Models;
using Nabla.Optim;
using Nabla.Tensors;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
string outDir = Path.Combine("out", "03-mlp");
Directory.CreateDirectory(outDir);

// ---- 1. The dataset --------------------------------------------------------------------------------------
// A name ". e m m a ." gives five examples with a context of 3: "..." → e, "..e" → m, ".em" → m, "emm" → a,
// "mma" → '.'. The lecture shuffles the names with random.seed(42) and splits them 80 / 10 / 10: the dev split
// chooses hyper-parameters, the test split is looked at once at the very end.
var words = Words.Load(Datasets.Resolve("names.txt"));
WordSplits split = words.Split(WordSplit.Lecture);
const int Block = 3;
var (xtr, ytr) = words.Contexts(split.Train, Block);
var (xdev, ydev) = words.Contexts(split.Val, Block);
var (xte, yte) = words.Contexts(split.Test, Block);
Console.WriteLine("1. the dataset");
Console.WriteLine($"   {words.Items.Count:N0} names, vocabulary '{words.Characters}'");
Console.WriteLine($"   train {split.Train.Count:N0} names → X {Shape(xtr)}, dev {split.Val.Count:N0} → {Shape(xdev)}, test {split.Test.Count:N0} → {Shape(xte)}");
var (xemma, yemma) = words.Contexts(["emma"], Block);
for (int i = 0; i < yemma.Size(0); i++)
    Console.WriteLine($"   {Decode(xemma[i])} → {words.Characters[yemma[i].ItemInt()]}");

// ---- 2. Embeddings ---------------------------------------------------------------------------------------
// Each character gets a vector of n_embd numbers, a row of C [27, n_embd]. Indexing C with a tensor of ids
// picks rows; it is the same as multiplying a one-hot row by C, only without the multiplication.
var g = new Generator(2147483647);
Tensor C = Tensor.Randn([27, 10], g).RequireGrad();
Tensor viaOneHot = Tensor.OneHot(Tensor.FromArray([5]), 27).ToFloat32().MatMul(C);
Console.WriteLine();
Console.WriteLine("2. embeddings");
Console.WriteLine($"   C[5] = one_hot(5) @ C: {(C[5] - viaOneHot[0]).Abs().Max().Item() == 0f}");
Console.WriteLine($"   C[X] for the first 4 rows of X {Shape(xtr)} has shape {Shape(C[xtr[0..4]])}: 3 vectors of 10 for each example");

// ---- 3. The network by hand ------------------------------------------------------------------------------
// The 3 vectors side by side (30 numbers) → 200 tanh units → 27 logits. The lecture's first version draws
// every weight from N(0, 1); lesson 4 shows why that is a poor start.
Tensor W1 = Tensor.Randn([30, 200], g).RequireGrad(), b1 = Tensor.Randn([200], g).RequireGrad();
Tensor W2 = Tensor.Randn([200, 27], g).RequireGrad(), b2 = Tensor.Randn([27], g).RequireGrad();
Tensor[] parameters = [C, W1, b1, W2, b2];
Tensor Logits(Tensor x)
{
    Tensor emb = C[x];                                        // (B, 3, 10)
    Tensor h = (emb.Reshape(-1, 30).MatMul(W1) + b1).Tanh();  // (B, 200)
    return h.MatMul(W2) + b2;                                 // (B, 27)
}
Console.WriteLine();
Console.WriteLine("3. the network by hand");
Console.WriteLine($"   parameters: {parameters.Sum(p => p.Count):N0}");
using (Tensor.NoGrad())
{
    // Cross-entropy is −log of the probability given to the right character; written out, it matches the fused op.
    Tensor logits = Logits(xtr[0..32]);
    Tensor probs = logits.Exp() / logits.Exp().Sum(1, keepDim: true);
    float byHand = -(probs * Tensor.OneHot(ytr[0..32], 27).ToFloat32()).Sum(1).Log().Mean().Item();
    float fused = logits.CrossEntropy(ytr[0..32]).Item();
    Console.WriteLine($"   loss of the first 32 examples, by hand {byHand:F4}, CrossEntropy {fused:F4}");
}

// ---- 4. Finding a learning rate --------------------------------------------------------------------------
// One step per candidate: the rate grows exponentially from 10^-3 to 10^0 over 1,000 steps. Where the loss falls
// fastest is a good rate; where it turns back up, the rate is too large.
const int SearchSteps = 1000;
var exponents = new double[SearchSteps];
var searchLosses = new double[SearchSteps];
for (int i = 0; i < SearchSteps; i++)
{
    exponents[i] = -3.0 + 3.0 * i / (SearchSteps - 1);
    float lr = MathF.Pow(10f, (float)exponents[i]);
    using var scope = new TensorScope();
    Tensor ix = Tensor.RandInt(0, xtr.Size(0), [32], g);
    Tensor loss = Logits(xtr[ix]).CrossEntropy(ytr[ix]);
    loss.Backward();
    searchLosses[i] = loss.Item();
    using (Tensor.NoGrad())
        foreach (Tensor p in parameters)
        {
            p.AddInPlace(p.Grad!, -lr);
            p.Grad!.ZeroInPlace();
        }
}
// The raw curve is noisy (one batch of 32 per point): judge it by a running mean of 50 steps.
var smoothed = Enumerable.Range(0, SearchSteps).Select(i => searchLosses[Math.Max(0, i - 49)..(i + 1)].Average()).ToArray();
int best = Array.IndexOf(smoothed, smoothed.Min());
var plot = new ScottPlot.Plot();
plot.Add.ScatterLine(exponents, searchLosses).LegendText = "loss of each step";
plot.Add.ScatterLine(exponents, smoothed).LegendText = "running mean of 50";
plot.Title("learning-rate search: 1,000 steps, rate 10^x");
plot.XLabel("exponent x of the learning rate");
plot.YLabel("minibatch loss");
plot.ShowLegend();
string searchPng = Path.Combine(outDir, "lr-search.png");
plot.SavePng(searchPng, 800, 500);
Console.WriteLine();
Console.WriteLine("4. learning-rate search");
Console.WriteLine($"   loss {smoothed[49]:F2} near 10^{exponents[49]:F1}, lowest {smoothed[best]:F2} near 10^{exponents[best]:F2}, {smoothed[^1]:F2} at 10^0");
Console.WriteLine($"   the lecture reads 10^-1 = 0.1 off this curve; plot: {searchPng}");

// ---- 5. Training the lecture's network -------------------------------------------------------------------
// Nabla.Models.Mlp is the same network as a module (its linear layers start as PyTorch's nn.Linear, smaller
// than N(0, 1)). The loop is the one above with a fixed rate: 0.1, then 0.01 for the last quarter.
const int Steps = 20_000;
var model = new Mlp(new MakemoreConfig { BlockSize = Block, NEmbd = 10, NEmbd2 = 200 }, new Generator(2147483647));
var trainGenerator = new Generator(42);
float[] losses = ContextTraining.Train(model, xtr, ytr, Steps, new LearningRateSchedule.StepDecay(0.1f, 15_000, 0.1f), trainGenerator);
float trainLoss = ContextTraining.Loss(model, xtr, ytr), devLoss = ContextTraining.Loss(model, xdev, ydev);
Console.WriteLine();
Console.WriteLine($"5. training Nabla.Models.Mlp ({model.ParameterCount():N0} parameters), {Steps:N0} steps of batch 32");
for (int at = 0; at < Steps; at += 4_000)
    Console.WriteLine($"   step {at,6:N0}  minibatch loss {losses[at]:F4}");
Console.WriteLine($"   train loss {trainLoss:F4}");
Console.WriteLine($"   dev loss {devLoss:F4}");
Console.WriteLine("   train and dev are close: 11,897 parameters cannot memorize 182,625 examples; a bigger network could.");
Console.WriteLine($"   the test split, looked at once: {ContextTraining.Loss(model, xte, yte):F4}");

// ---- 6. What the embedding learned, and samples ----------------------------------------------------------
// With n_embd = 2 the table can be drawn: characters that behave alike end up near each other (the vowels).
var tiny = new Mlp(new MakemoreConfig { BlockSize = Block, NEmbd = 2, NEmbd2 = 100 }, new Generator(1));
ContextTraining.Train(tiny, xtr, ytr, 6_000, new LearningRateSchedule.Constant(0.1f), new Generator(2));
float[] table = tiny.Wte.Weight.ToArray();
var scatter = new ScottPlot.Plot();
for (int i = 0; i < 27; i++)
{
    scatter.Add.Marker(table[2 * i], table[2 * i + 1], ScottPlot.MarkerShape.FilledCircle, 22, ScottPlot.Colors.SteelBlue);
    var label = scatter.Add.Text(words.Characters[i].ToString(), table[2 * i], table[2 * i + 1]);
    label.LabelAlignment = ScottPlot.Alignment.MiddleCenter;
    label.LabelFontColor = ScottPlot.Colors.White;
}
scatter.Title("2-D character embeddings after 6,000 steps");
string embeddingPng = Path.Combine(outDir, "embedding-2d.png");
scatter.SavePng(embeddingPng, 600, 600);
Console.WriteLine();
Console.WriteLine($"6. 2-D embeddings (dev loss {ContextTraining.Loss(tiny, xdev, ydev):F4}): {embeddingPng}");
Console.WriteLine("   samples from the 10-dimensional model:");
foreach (int[] name in model.Sample(10, 20, new Generator(2147483647 + 10UL)))
    Console.WriteLine($"   {words.Decode(name)}");
return 0;

string Decode(Tensor row) => new(row.ToIntArray().Select(t => words.Characters[t]).ToArray());
static string Shape(Tensor t) => "(" + string.Join(", ", t.Shape.ToArray()) + ")";
