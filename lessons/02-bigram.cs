#:project ../src/Nabla/Nabla.csproj
#:package ScottPlot
// Lesson 2 — makemore, part 1: the bigram character-level language model, by counting and as a neural network.
// Run from the repository root:  dotnet run lessons/02-bigram.cs
//
// The path of Karpathy's lecture "The spelled-out intro to language modeling: building makemore":
//   1. the data: 32,033 names, each read as ". e m m a ." with a start/stop token;
//   2. counting bigrams into a 27×27 table N, drawn as a heat map (out/02-bigram-counts.png);
//   3. sampling names from the rows of P = N / row sums;
//   4. the quality of the model: the average negative log likelihood, with and without smoothing;
//   5. the same model as a neural network: one-hot × W, softmax, NLL + regularization, gradient descent.
// The library code: src/Nabla/Models/BigramCounts.cs and NeuralBigram.cs (read them beside this file).
// ScottPlot draws the picture; its version (5.1.59) is the one in Directory.Packages.props.
using System.Globalization;
using Nabla.Data;
using Nabla.Models;
using Nabla.Tensors;
using ScottPlot;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
int mismatches = 0;

// ---- 1. The data ---------------------------------------------------------------------------------------
Words words = Words.Load(Datasets.Resolve("names.txt"));          // NABLA_DATA_DIR, the cache, or a download
int V = words.VocabularySize;                                   // 27: '.' and a..z
Console.WriteLine("1. the data");
Console.WriteLine($"   {words.Items.Count:N0} names, from {words.Items.Min(w => w.Length)} to {words.MaxLength} characters: {string.Join(", ", words.Items.Take(5))}, ...");
Console.WriteLine($"   vocabulary ({V}): {words.Characters}   ('.' = token 0 marks both the start and the end of a name)");
// Every name is a handful of examples at once: ". e m m a ." says '.'→e, e→m, m→m, m→a, a→'.'.
Console.WriteLine($"   'emma' as bigrams: {string.Join(" ", Bigrams("emma"))}");

// ---- 2. Counting ----------------------------------------------------------------------------------------
// N[a, b] = how often b follows a. This table is the whole model.
var N = new int[V, V];
int total = 0;
foreach (string name in words.Items)
    foreach (var (a, b) in Bigrams(name).Select(s => (Token(s[0]), Token(s[1]))))
    {
        N[a, b]++;
        total++;
    }
Console.WriteLine();
Console.WriteLine("2. counting bigrams");
Console.WriteLine($"   {total:N0} bigrams; the most common:");
var byCount = from a in Enumerable.Range(0, V) from b in Enumerable.Range(0, V) orderby N[a, b] descending select (a, b);
foreach (var (a, b) in byCount.Take(5))
    Console.WriteLine($"     {words.Characters[a]}{words.Characters[b]}  {N[a, b],5}");
Console.WriteLine($"   names start with a {N[0, Token('a')]} times; 'qy' occurs {N[Token('q'), Token('y')]} times");

// The library's model counts the same bigrams from the examples Words.Contexts builds with one character of context.
var (xs, ys) = words.Contexts(words.Items, blockSize: 1);        // X [228146, 1], Y [228146]
var counting = new BigramCounts(V, smoothing: 1f);
counting.Fit(xs, ys);
Check("hand counts = BigramCounts.Counts", string.Join(",", N.Cast<int>()), string.Join(",", counting.Counts.ToArray().Select(c => (int)c)));

string png = Path.Combine("out", "02-bigram-counts.png");
DrawCounts(png);
Console.WriteLine($"   heat map of N with every bigram and its count: {png}");

// ---- 3. Sampling --------------------------------------------------------------------------------------
// P = (N + 1) / row sums: row a is the distribution of the character after a. Start at '.', draw the next
// character from its row, move to that row, until '.' comes out again.
Tensor P = counting.Probabilities();                             // (27, 27), rows sum to 1
Console.WriteLine();
Console.WriteLine("3. sampling from the counts");
Console.WriteLine($"   row '.' of P (how names start): {string.Join(" ", Enumerable.Range(1, 6).Select(i => $"{words.Characters[i]}={P.Get(0, i):F4}"))} ...");
var g = new Generator(2147483647);
foreach (string name in SampleNames(P, g, 10)) Console.WriteLine($"   {name}");
Console.WriteLine("   Bad names, but better than drawing each character uniformly: a bigram sees one character back.");

// ---- 4. The loss: negative log likelihood ------------------------------------------------------------
// The likelihood of the data is the product of the probabilities the model gives every bigram; its log is the
// sum of the logs; negated and averaged it is a loss, 0 for a perfect model. Log of a uniform guess: ln 27 = 3.2958.
Console.WriteLine();
Console.WriteLine("4. negative log likelihood over all bigrams");
foreach (float smoothing in new[] { 1f, 0f })
{
    double logLikelihood = 0;
    var rowSums = new double[V];
    for (int a = 0; a < V; a++) for (int b = 0; b < V; b++) rowSums[a] += N[a, b] + smoothing;
    for (int a = 0; a < V; a++) for (int b = 0; b < V; b++)
        if (N[a, b] > 0) logLikelihood += N[a, b] * Math.Log((N[a, b] + smoothing) / rowSums[a]);
    double nll = -logLikelihood / total;
    Console.WriteLine($"   smoothing {smoothing}: log likelihood {logLikelihood:F2}, nll = {nll:F4}");
    var model = new BigramCounts(V, smoothing);
    model.Fit(xs, ys);
    Check($"nll (smoothing {smoothing}) = BigramCounts.NegativeLogLikelihood", nll.ToString("F10"), model.ExactNegativeLogLikelihood(xs, ys).ToString("F10"));
}
// Without smoothing a bigram never seen has probability 0, and a name that contains one has infinite loss.
var (jx, jy) = words.Contexts(["andrejq"], 1);
var unsmoothed = new BigramCounts(V, smoothing: 0f);
unsmoothed.Fit(xs, ys);
Console.WriteLine($"   'andrejq' ('jq' never occurs): nll {counting.ExactNegativeLogLikelihood(jx, jy):F4} with smoothing, {unsmoothed.ExactNegativeLogLikelihood(jx, jy)} without");
Console.WriteLine("   Smoothing costs a little on the data (2.4546 against 2.4540) and makes every name possible.");

// ---- 5. The neural bigram -----------------------------------------------------------------------------
// Same job, another way: a network reads the previous character and outputs 27 numbers ("logits", read as log
// counts); exp makes them positive ("counts") and normalizing each row makes a distribution (together: softmax).
// Tune W by gradient descent on the NLL instead of counting.
Console.WriteLine();
Console.WriteLine("5. the neural bigram: one-hot × W, softmax, NLL, gradient descent");
int n = ys.Count;
Tensor xenc = Tensor.OneHot(xs.Reshape(n), V);                   // (n, 27): a single 1 at the previous character
var gW = new Generator(2147483647);
Tensor W = Tensor.Randn([V, V], gW).RequireGrad();               // (27, 27): 27 neurons of 27 inputs
int[] targetsAt = ys.ToIntArray().Select((y, i) => i * V + y).ToArray();   // where probs[i, ys[i]] is in probs
Tensor picks = Tensor.FromArray(targetsAt);

// The first example, ". → e" of "emma", up close.
using (Tensor.NoGrad())
{
    Tensor logits0 = xenc[0..1].MatMul(W);                       // (1, 27) = row 0 of W
    Tensor probs0 = logits0.Exp() / logits0.Exp().Sum(1, keepDim: true);
    int e = ys.GetInt(0);
    Console.WriteLine($"   example 0: input '.', label '{words.Characters[e]}': the random network gives it p = {probs0.Get(0, e):F4}, nll = {-MathF.Log(probs0.Get(0, e)):F4}");
}

const int Steps = 50;    // the test suite and the quality run go to 120 steps, where the loss passes below 2.49
const float LearningRate = 50f;
var losses = new List<float>();
for (int k = 0; k < Steps; k++)
{
    using var scope = new TensorScope();
    // forward pass
    Tensor logits = xenc.MatMul(W);                              // (n, 27) log-counts
    Tensor counts = logits.Exp();                                // (n, 27) counts, like N
    Tensor probs = counts / counts.Sum(1, keepDim: true);        // (n, 27) each row sums to 1
    Tensor loss = -probs.Reshape(n * V)[picks].Log().Mean()      // the NLL of the true next characters
                  + 0.01f * W.Pow(2f).Mean();                    // regularization: pulls W towards 0, like smoothing
    losses.Add(loss.Item());
    if (k % 10 == 0 || k == Steps - 1) Console.WriteLine($"   step {k,3}: loss {loss.Item():F4}");
    // backward pass
    W.ZeroGrad();                                                // the lecture's W.grad = None
    loss.Backward();
    // update
    using (Tensor.NoGrad()) W.AddInPlace(W.Grad!, -LearningRate);
}
// The library's NeuralBigram starts from the same W (the same seed) and takes the same steps, with W[x] for the
// one-hot product and a fused cross-entropy: the same losses up to float rounding.
var neural = new NeuralBigram(V, new Generator(2147483647));
List<float> libraryLosses = neural.GradientDescent(xs, ys, Steps);
float worst = losses.Zip(libraryLosses, (a, b) => MathF.Abs(a - b)).Max();
Console.WriteLine($"   NeuralBigram.GradientDescent from the same seed: final loss {libraryLosses[^1]:F4}, largest difference from the loop above {worst:E1}");
if (worst > 1e-4f) { mismatches++; Console.WriteLine("   MISMATCH hand-written loop and NeuralBigram.GradientDescent differ"); }

// W plays the role of log N: the network's distributions approach the counts', and so do its samples.
Tensor neuralP;
using (Tensor.NoGrad()) neuralP = W.Detach().Softmax(1);
// Rows seen often (names start 32,033 times) are close already; rare ones move slowly at this learning rate.
Console.WriteLine($"   row '.' (how names start): largest |P_neural − P_counts| = {(neuralP[0] - P[0]).Abs().Max().Item():F4}");
Console.WriteLine("   samples from the network, same seed as the counts' samples above:");
foreach (string name in SampleNames(neuralP, new Generator(2147483647), 5)) Console.WriteLine($"   {name}");

Console.WriteLine();
Console.WriteLine(mismatches == 0 ? "every check passed" : $"{mismatches} check(s) FAILED");
return mismatches == 0 ? 0 : 1;

// ---- functions used above -------------------------------------------------------------------------------------------
IEnumerable<string> Bigrams(string name)
{
    string chars = "." + name + ".";
    for (int i = 0; i + 1 < chars.Length; i++) yield return chars.Substring(i, 2);
}

int Token(char c) => c == '.' ? 0 : words.Encode(c);

IEnumerable<string> SampleNames(Tensor probabilities, Generator generator, int count)
{
    for (int s = 0; s < count; s++)
    {
        var name = new List<int>();
        int ix = 0;
        do
        {
            ix = Tensor.Multinomial(probabilities[ix], 1, replacement: true, generator: generator).ItemInt();
            name.Add(ix);
        } while (ix != 0);
        yield return words.Decode(name) + ".";
    }
}

// The lecture's figure: the table as a blue heat map, each cell labelled with its bigram and its count.
void DrawCounts(string file)
{
    var intensities = new double[V, V];                         // row 0 is drawn at the top, as imshow does
    for (int a = 0; a < V; a++) for (int b = 0; b < V; b++) intensities[a, b] = N[a, b];
    var plot = new Plot();
    var heatmap = plot.Add.Heatmap(intensities);
    heatmap.Colormap = new ScottPlot.Colormaps.Blues().Reversed();   // white for 0, dark blue for the most common
    heatmap.Rectangle = new CoordinateRect(-0.5, V - 0.5, -0.5, V - 0.5);
    for (int a = 0; a < V; a++)
        for (int b = 0; b < V; b++)
        {
            double x = b, y = V - 1 - a;                            // cell (a, b): column b, row a from the top
            var bigram = plot.Add.Text($"{words.Characters[a]}{words.Characters[b]}", x, y + 0.18);
            var count = plot.Add.Text(N[a, b].ToString(CultureInfo.InvariantCulture), x, y - 0.18);
            foreach (var label in new[] { bigram, count })
            {
                label.LabelAlignment = Alignment.MiddleCenter;
                label.LabelFontSize = 11;
                label.LabelFontColor = Colors.Gray;
            }
        }
    plot.HideAxesAndGrid();
    plot.Axes.SetLimits(-0.5, V - 0.5, -0.5, V - 0.5);
    Directory.CreateDirectory(Path.GetDirectoryName(file)!);
    plot.SavePng(file, 1600, 1600);
}

void Check(string what, string expected, string actual)
{
    if (expected == actual) return;
    mismatches++;
    Console.WriteLine($"   MISMATCH {what}: expected '{Trim(expected)}', got '{Trim(actual)}'");
    static string Trim(string s) => s.Length > 80 ? s[..80] + "…" : s;
}
