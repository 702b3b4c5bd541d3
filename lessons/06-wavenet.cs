#:project ../src/Nabla/Nabla.csproj
// Lesson 6 — makemore, part 5: building a WaveNet from layers.
// Run from the repository root:  dotnet run lessons/06-wavenet.cs      (names.txt from $NABLA_DATA_DIR)
//
// The path of Karpathy's lecture "Building makemore Part 5: Building a WaveNet":
//   1. a longer context: 8 characters instead of 3;
//   2. the network as a list of layers (Embedding, FlattenConsecutive, Linear, BatchNorm1d, Tanh in a Sequential),
//      and the shape of what each layer gives, printed as the lecture prints it;
//   3. why the hierarchy: FlattenConsecutive(2) fuses neighbours, so the first layer sees pairs of characters,
//      the second pairs of pairs, the third the whole context (as WaveNet's dilated convolutions, van den Oord et al. 2016);
//   4. BatchNorm over (B, T, C): statistics over the batch and the time steps together;
//   5. training it a short while, and sampling.
// The lecture trains 200,000 steps (dev loss 1.993); this lesson trains 3,000 so that it runs in seconds. The full run is
//   dotnet run -c Release --project benchmarks/Nabla.Benchmarks -- makemore-quality wavenet
// and its numbers are in docs/results.md.
// The library code: src/Nabla/Models/WaveNet.cs, src/Nabla/NN/FlattenConsecutive.cs, src/Nabla/NN/BatchNorm1d.cs.
using System.Globalization;
using Nabla.Data;
using Nabla.Models;
using Nabla.NN;
using Nabla.Optim;
using Nabla.Tensors;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

// ---- 1. Eight characters of context ----------------------------------------------------------------------
var words = Words.Load(Datasets.Resolve("names.txt"));
WordSplits split = words.Split(WordSplit.Lecture);
MakemoreConfig config = WaveNet.LectureConfig;           // block 8, n_embd 24, hidden 128
var (xtr, ytr) = words.Contexts(split.Train, config.BlockSize);
var (xdev, ydev) = words.Contexts(split.Val, config.BlockSize);
Console.WriteLine("1. eight characters of context");
Console.WriteLine($"   X train {Shape(xtr)}, dev {Shape(xdev)}");
var (xeg, yeg) = words.Contexts(["diondre"], config.BlockSize);
for (int i = 0; i < 4; i++)
    Console.WriteLine($"   {new string(xeg[i].ToIntArray().Select(t => words.Characters[t]).ToArray())} → {words.Characters[yeg[i].ItemInt()]}");

// ---- 2. The network as layers ----------------------------------------------------------------------------
// Nabla.Models.WaveNet is a Sequential of the lecture's layers. Pushing a batch of 4 through them one by one
// shows what each gives, as the lecture's `for layer in model.layers: print(layer.__class__.__name__, ...)`.
var model = new WaveNet(config, new Generator(42));
Console.WriteLine();
Console.WriteLine($"2. the layers ({model.ParameterCount():N0} parameters)");
Tensor x = xtr[0..4];
Console.WriteLine($"   {"input",-19}: {Shape(x)}");
foreach (Module<Tensor, Tensor> layer in model.Layers.Layers)
{
    x = layer.Forward(x);
    Console.WriteLine($"   {layer.GetType().Name,-19}: {Shape(x)}");
}
foreach (string line in model.Summary().TrimEnd().Split('\n')) Console.WriteLine("   " + line);

// ---- 3. Fusing neighbours --------------------------------------------------------------------------------
// The flat MLP of lesson 3 would squash all 8 vectors into one layer at once. FlattenConsecutive(2) instead
// concatenates each pair of neighbours: (B, 8, 24) → (B, 4, 48), a view of the same numbers. The next Linear
// is applied to each of the 4 pairs alike (matmul broadcasts over the middle dimension).
Tensor ids = Tensor.FromArray(Enumerable.Range(0, 8).ToArray(), 1, 8);
Tensor letters = Tensor.Arange(0f, 8f).Reshape(1, 8, 1);             // character i is the number i
Tensor pairs = new FlattenConsecutive(2).Forward(letters);
Tensor quads = new FlattenConsecutive(2).Forward(pairs);
Console.WriteLine();
Console.WriteLine("3. fusing neighbours (character i written as the number i)");
Console.WriteLine($"   positions {Shape(ids)}: {string.Join(" ", ids.ToIntArray())}");
Console.WriteLine($"   after one  FlattenConsecutive(2): {Shape(pairs)} {Rows(pairs)}");
Console.WriteLine($"   after two: {Shape(quads)} {Rows(quads)}");
Console.WriteLine($"   after three: {Shape(new FlattenConsecutive(2).Forward(quads))} (the middle dimension of 1 is dropped)");

// ---- 4. BatchNorm over (B, T, C) -------------------------------------------------------------------------
// After the first fusion a hidden unit sees B·4 values per batch: BatchNorm1d takes its statistics over the
// batch and the 4 positions together, so its running mean is one number per channel, (128), not (4, 128).
var bn = (BatchNorm1d)model.Layers[3];
Console.WriteLine();
Console.WriteLine("4. BatchNorm1d over (B, T, C)");
Console.WriteLine($"   first BatchNorm1d: input (B, 4, 128), running mean {Shape(bn.RunningMean)}, running var {Shape(bn.RunningVar)}");

// ---- 5. Training a short while ---------------------------------------------------------------------------
const int Steps = 3_000;
model = new WaveNet(config, new Generator(2147483647));
float before = ContextTraining.Loss(model, xdev, ydev);
float[] losses = ContextTraining.Train(model, xtr, ytr, Steps, new LearningRateSchedule.Constant(0.1f), new Generator(42));
Console.WriteLine();
Console.WriteLine($"5. training {Steps:N0} steps of batch 32, SGD at 0.1");
Console.WriteLine($"   dev loss before {before:F4}");
Console.WriteLine($"   minibatch losses: step 1 {losses[0]:F4}, step 1,000 {losses[999]:F4}, step {Steps:N0} {losses[^1]:F4}");
Console.WriteLine($"   train loss {ContextTraining.Loss(model, xtr, ytr):F4}");
Console.WriteLine($"   dev loss {ContextTraining.Loss(model, xdev, ydev):F4}");
Console.WriteLine("   samples:");
foreach (int[] name in model.Sample(8, 20, new Generator(7)))
    Console.WriteLine($"   {words.Decode(name)}");
return 0;

static string Shape(Tensor t) => "(" + string.Join(", ", t.Shape.ToArray()) + ")";
static string Rows(Tensor t)
{
    float[] v = t.ToArray();
    int width = t.Size(-1);
    return string.Join(" ", Enumerable.Range(0, v.Length / width).Select(r => "[" + string.Join(" ", v[(r * width)..((r + 1) * width)]) + "]"));
}
