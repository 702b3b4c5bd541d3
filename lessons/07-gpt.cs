#:project ../src/Nabla/Nabla.csproj
// Lesson 7 — let's build GPT: a character-level Transformer that writes Shakespeare-like text.
// Run from the repository root:  dotnet run lessons/07-gpt.cs      (tinyshakespeare.txt from $NABLA_DATA_DIR)
//
// The path of Karpathy's lecture "Let's build GPT: from scratch, in code, spelled out":
//   1. the data: tinyshakespeare, its 65 characters, encode and decode, a 90 / 10 train/val split, batches;
//   2. the bigram baseline: a table of logits (an Embedding of 65 × 65), trained briefly;
//   3. the mathematical trick of self-attention: averaging the past three ways that give the same numbers;
//   4. one self-attention head written out: keys, queries, values, scaled scores, causal mask, softmax;
//   5. multi-head attention, checked against the library's CausalSelfAttention from the same weights;
//   6. the block: residual connections, LayerNorm, the feed-forward network, dropout;
//   7. training a small GPT (Nabla.Models.Gpt) for about a minute, then a sample.
// The lecture trains its final model (6 layers, 384 wide, block 256) for 5,000 steps on a GPU. This lesson trains
// a far smaller model for 1,500 steps, so that it runs on two CPU cores in under a minute; its text is rougher. The
// full recipe is `nabla gpt train --config shakespeare-char` (docs/gpt.md).
// The library code: src/Nabla/Models/Gpt.cs, src/Nabla/NN/CausalSelfAttention.cs, src/Nabla/Models/GptData.cs.
using System.Diagnostics;
using System.Globalization;
using Nabla.Data;
using Nabla.Models;
using Nabla.NN;
using Nabla.Optim;
using Nabla.Tensors;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

// ---- 1. The data -----------------------------------------------------------------------------------------
// One megabyte of plays. The vocabulary is the text's distinct characters, sorted; a token is a character's
// index. (GPT-2 reads sub-words instead, lesson 8; characters keep the vocabulary tiny and the sequences long.)
string text = File.ReadAllText(Datasets.Resolve("tinyshakespeare.txt"));
char[] chars = text.Distinct().Order().ToArray();
int V = chars.Length;
var stoi = chars.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
int[] Encode(string s) => s.Select(c => stoi[c]).ToArray();
string Decode(IEnumerable<int> ids) => string.Concat(ids.Select(i => chars[i]));
Console.WriteLine("1. the data");
Console.WriteLine($"   {text.Length:N0} characters, vocabulary of {V}: {string.Concat(chars).Replace("\n", "\\n")}");
Console.WriteLine($"   encode(\"hii there\") = [{string.Join(", ", Encode("hii there"))}], decoded back: \"{Decode(Encode("hii there"))}\"");

// The first 90 % trains, the rest tells us whether the model has learned Shakespeare or memorized these lines.
ushort[] data = Encode(text).Select(i => (ushort)i).ToArray();
int n = (int)(0.9 * data.Length);
ushort[] train = data[..n], val = data[n..];
Console.WriteLine($"   train {train.Length:N0} tokens, val {val.Length:N0}");

// A chunk of block_size + 1 tokens holds block_size examples: every prefix predicts the token after it, so the
// model learns to continue contexts of every length from 1 to block_size.
const int ShowBlock = 8;
for (int t = 0; t < 3; t++)
    Console.WriteLine($"   context [{string.Join(", ", train[..(t + 1)])}] → target {train[t + 1]}");
Console.WriteLine($"   ... and so on to context of {ShowBlock}: one chunk of {ShowBlock + 1} tokens gives {ShowBlock} examples");

// get_batch: B chunks at random offsets, the targets the same chunks shifted by one (GptData.Batch).
var g = new Generator(1337);
(Tensor X, Tensor Y) GetBatch(ushort[] split, int batch, int block) => GptData.Batch(split, batch, block, g);
var (xb, yb) = GetBatch(train, 4, ShowBlock);
Console.WriteLine($"   a batch: x {Shape(xb)}, y {Shape(yb)}; first row \"{Show(xb[0])}\" → \"{Show(yb[0])}\"");

// ---- 2. The bigram baseline ------------------------------------------------------------------------------
// Row i of a (V, V) table holds the logits of the token after token i: an Embedding used as logits. It looks at
// one character only, however long the context.
var bigram = new Embedding(V, V, new Generator(1337));
var bigramOptimizer = new AdamW(bigram.Parameters(), 1e-2f, weightDecay: 0f);
float BigramLoss(Tensor x, Tensor y) => bigram.Forward(x).Reshape(-1, V).CrossEntropy(y.Reshape(-1)).Item();
Console.WriteLine();
Console.WriteLine("2. the bigram model");
using (Tensor.NoGrad())
    Console.WriteLine($"   before training: loss {BigramLoss(xb, yb):F3}; a uniform guess would score -ln(1/{V}) = {Math.Log(V):F3}");
const int BigramSteps = 2000;
for (int step = 0; step <= BigramSteps; step++)
{
    using var scope = new TensorScope();
    var (x, y) = GetBatch(train, 32, ShowBlock);
    Tensor loss = bigram.Forward(x).Reshape(-1, V).CrossEntropy(y.Reshape(-1));
    if (step % 500 == 0) Console.WriteLine($"   step {step,5}  loss {loss.Item():F3}");
    if (step == BigramSteps) break;
    bigramOptimizer.ZeroGrad();
    loss.Backward();
    bigramOptimizer.Step();
}
float bigramVal = EstimateLoss(BigramLoss, val, ShowBlock);
Console.WriteLine($"   bigram val loss {bigramVal:F3}");
Console.WriteLine($"   a bigram sample: {Decode(SampleBigram(100)).Replace("\n", " ")}");

// ---- 3. The mathematical trick in self-attention ----------------------------------------------------------
// Let token t see the tokens before it. The simplest way: the average of x[0..t]. Three ways to compute it.
Console.WriteLine();
Console.WriteLine("3. averaging the past, three ways");
const int B = 4, T = 8, C = 2;
Tensor xs = Tensor.Randn([B, T, C], new Generator(1337));
// (a) loops: for every sequence and every position, the mean of the rows up to it.
var rows = new List<Tensor>();
for (int b = 0; b < B; b++)
    for (int t = 0; t < T; t++)
        rows.Add(xs[b][0..(t + 1)].Mean(0));
Tensor xbow1 = Tensor.Stack(rows).Reshape(B, T, C);
// (b) a matrix multiply: row t of a lower-triangular matrix of 1/(t+1) averages rows 0..t of x.
Tensor tril = Tensor.Ones(T, T).Tril();
Tensor weights = tril / tril.Sum(1, keepDim: true);
Tensor xbow2 = weights.MatMul(xs);                          // (T, T) @ (B, T, C) → (B, T, C), broadcast over B
// (c) softmax: start from affinities of 0, forbid the future with −∞, and softmax each row. The weights come
// out as in (b); attention will make the affinities data-dependent instead of 0.
Tensor affinity = Tensor.Zeros(T, T).MaskedFill(Tensor.Ones(T, T).Triu(1), float.NegativeInfinity);
Tensor xbow3 = affinity.Softmax(-1).MatMul(xs);
float d12 = (xbow1 - xbow2).Abs().Max().Item(), d13 = (xbow1 - xbow3).Abs().Max().Item();
Console.WriteLine($"   the weights of (b), row 3: {Row(weights[3])}");
Console.WriteLine($"   largest difference: loops vs matmul {d12:0.0E+0}, loops vs softmax {d13:0.0E+0}");
Console.WriteLine($"   the three ways agree: {d12 < 1e-6 && d13 < 1e-6}");

// ---- 4. One head of self-attention -----------------------------------------------------------------------
// Every token emits a query (what am I looking for?) and a key (what do I contain?). The affinity of t to s is
// q_t · k_s; a token then takes the softmax-weighted sum of the values v_s (what I tell you, if you find me
// interesting). Dividing by √head_size keeps the scores' variance near 1, so softmax stays soft at the start.
Console.WriteLine();
Console.WriteLine("4. one self-attention head");
const int Width = 32, HeadSize = 8;
var hg = new Generator(1337);
Tensor xh = Tensor.Randn([B, T, Width], hg);
var key = new Linear(Width, HeadSize, bias: false, generator: hg);
var query = new Linear(Width, HeadSize, bias: false, generator: hg);
var value = new Linear(Width, HeadSize, bias: false, generator: hg);
Tensor Head(Tensor x, Linear k, Linear q, Linear v)
{
    Tensor keys = k.Forward(x), queries = q.Forward(x);                               // (B, T, hs)
    Tensor scores = queries.MatMul(keys.Transpose(-2, -1)) * (1f / MathF.Sqrt(k.Weight.Size(0))); // (B, T, T)
    int t = x.Size(1);
    scores = scores.MaskedFill(Tensor.Ones(t, t).Triu(1), float.NegativeInfinity);   // no looking ahead
    return scores.Softmax(-1).MatMul(v.Forward(x));                                  // (B, T, T) @ (B, T, hs)
}
Tensor headOut = Head(xh, key, query, value);
Console.WriteLine($"   x {Shape(xh)} → head {Shape(headOut)}");
using (Tensor.NoGrad())
{
    Tensor k0 = key.Forward(xh), q0 = query.Forward(xh);
    Tensor raw = q0.MatMul(k0.Transpose(-2, -1));
    Tensor wei = (raw * (1f / MathF.Sqrt(HeadSize))).MaskedFill(Tensor.Ones(T, T).Triu(1), float.NegativeInfinity).Softmax(-1);
    Console.WriteLine($"   the last token's attention over the 8 positions: {Row(wei[0][T - 1])}");
    Tensor unit = Tensor.Randn([B, T, HeadSize], hg), unit2 = Tensor.Randn([B, T, HeadSize], hg);
    Tensor dot = unit.MatMul(unit2.Transpose(-2, -1));
    Console.WriteLine($"   q·k of unit-variance vectors: variance {dot.Var().Item():F1} (≈ head size {HeadSize}), divided by √{HeadSize}: {(dot * (1f / MathF.Sqrt(HeadSize))).Var().Item():F2}");
}

// ---- 5. Multi-head attention -----------------------------------------------------------------------------
// Several heads side by side, each smaller (n_head × head_size = C), their outputs concatenated and projected
// back into the residual stream. The library's CausalSelfAttention keeps all heads' q, k, v in one Linear
// (c_attn, C → 3C) and runs them as one fused operation; cutting its weight into per-head pieces gives the
// heads of section 4, and the result is the same.
Console.WriteLine();
Console.WriteLine("5. multi-head attention");
const int Heads = 4, Hs = Width / Heads;
var attention = new CausalSelfAttention(Width, Heads, bias: false, generator: hg);
Tensor W = attention.CAttn.Weight;                                                  // (3C, C): q rows, k rows, v rows
Linear Slice(int from) { var l = new Linear(Width, Hs, bias: false); using (Tensor.NoGrad()) l.Weight.CopyFrom(W[from..(from + Hs)]); return l; }
var heads = Enumerable.Range(0, Heads).Select(h => Head(xh, Slice(Width + h * Hs), Slice(h * Hs), Slice(2 * Width + h * Hs))).ToList();
Tensor byHand = attention.CProj.Forward(Tensor.Concat(heads, -1));                  // (B, T, 4·8) → (B, T, C)
Tensor fused = attention.Forward(xh);
float dHeads = (byHand - fused).Abs().Max().Item();
Console.WriteLine($"   {Heads} heads of {Hs}: concat {Shape(Tensor.Concat(heads, -1))}, projected {Shape(byHand)}");
Console.WriteLine($"   by hand vs CausalSelfAttention: largest difference {dHeads:0.0E+0}, equal: {dHeads < 1e-5}");

// ---- 6. The block ----------------------------------------------------------------------------------------
// Communication (attention) then computation (a feed-forward network on each token alone, C → 4C → C). Deep
// stacks of them train well thanks to two ideas: residual connections (x + f(x): the gradient flows straight
// down the sum, and each block starts near the identity) and LayerNorm (each token's vector normalized to mean 0,
// variance 1 over its features, then scaled and shifted by learned gains). GPT normalizes before each branch
// (pre-norm): x = x + attn(ln1(x)); x = x + ffwd(ln2(x)).
Console.WriteLine();
Console.WriteLine("6. the block");
var ln1 = new LayerNorm(Width);
var ln2 = new LayerNorm(Width);
var ffwd = new FeedForward(Width, 4 * Width, new Relu(), generator: hg);
Tensor Block(Tensor x)
{
    x = x + attention.Forward(ln1.Forward(x));
    return x + ffwd.Forward(ln2.Forward(x));
}
Tensor normed = ln1.Forward(xh * 3f + 1f);
Console.WriteLine($"   LayerNorm of one token's vector: mean {normed[0][0].Mean().Item():F3}, std {normed[0][0].Std(0, correction: 0).Item():F3}");
Console.WriteLine($"   block: {Shape(xh)} → {Shape(Block(xh))}");
// Dropout (Srivastava et al. 2014) zeroes a random fraction p of activations while training and scales the rest by
// 1/(1−p): many thinned networks trained at once. nanoGPT puts it after the embeddings, on the attention
// weights and at the end of each residual branch; evaluation turns it off.
Tensor dropped = Tensor.Ones(1000).Dropout(0.2f, training: true, new Generator(1));
Console.WriteLine($"   dropout 0.2: {dropped.Eq(0f).Sum().Item():F0} of 1000 ones zeroed, the rest become {dropped.Max().Item():F2}");

// ---- 7. Training a small GPT -----------------------------------------------------------------------------
// Nabla.Models.Gpt is sections 4–6 with token and position embeddings below the blocks, a final LayerNorm, and a
// head that reuses the token embedding (nanoGPT's model.py). The lecture's model is 6 × 384 at block 256 (10.8M
// parameters, 5,000 steps on a GPU, val loss 1.48). Here: 4 layers of 64 at block 32, 1,500 steps.
Console.WriteLine();
var config = new GptConfig(BlockSize: 32, VocabSize: V, NLayer: 4, NHead: 4, NEmbd: 64, Dropout: 0f, Bias: false);
var model = new Gpt(config, new Generator(1337));
var optimizer = new AdamW(model.Parameters(), 2e-3f, beta2: 0.99f, weightDecay: 0.1f);
const int Steps = 1500, Batch = 16;
Console.WriteLine($"7. training a GPT: {config.NLayer} layers, {config.NHead} heads, width {config.NEmbd}, block {config.BlockSize}, {model.ParameterCount():N0} parameters");
Console.WriteLine($"   {Steps} steps of batch {Batch} (the lecture's model trains 5,000 steps of 64 × 256 on a GPU)");
float GptLoss(Tensor x, Tensor y) => model.Loss(x, y).Item();
var clock = Stopwatch.StartNew();
for (int step = 0; step <= Steps; step++)
{
    if (step % 500 == 0)
    {
        model.Eval();
        Console.WriteLine($"   step {step,4}: train loss {EstimateLoss(GptLoss, train, config.BlockSize):F3}, val loss {EstimateLoss(GptLoss, val, config.BlockSize):F3}");
        model.Train();
    }
    if (step == Steps) break;
    using var scope = new TensorScope();
    var (x, y) = GetBatch(train, Batch, config.BlockSize);
    optimizer.ZeroGrad();
    model.Loss(x, y).Backward();
    optimizer.Step();
}
model.Eval();
float gptVal = EstimateLoss(GptLoss, val, config.BlockSize);
Console.WriteLine($"   trained in {clock.Elapsed.TotalSeconds:F0} s");
Console.WriteLine($"   final val loss {gptVal:F3} (bigram {bigramVal:F3})");
Console.WriteLine("   a sample of 300 characters:");
int[] sample = model.Generate([stoi['\n']], 300, new Generator(42), new SamplingOptions(Temperature: 1f));
Console.WriteLine("---");
Console.WriteLine(Decode(sample));
Console.WriteLine("---");

// The mean loss over 20 random batches of 32 (nanoGPT's estimate_loss), without a graph.
float EstimateLoss(Func<Tensor, Tensor, float> loss, ushort[] split, int block)
{
    var eg = new Generator(7);
    double sum = 0;
    using (Tensor.NoGrad())
        for (int i = 0; i < 20; i++)
        {
            using var scope = new TensorScope();
            var (x, y) = GptData.Batch(split, 32, block, eg);
            sum += loss(x, y);
        }
    return (float)(sum / 20);
}

// The bigram model generating: each next character drawn from the softmax of its row.
List<int> SampleBigram(int count)
{
    var sg = new Generator(42);
    var ids = new List<int> { stoi['\n'] };
    using (Tensor.NoGrad())
        for (int i = 0; i < count; i++)
            ids.Add(Tensor.Multinomial(bigram.Weight[ids[^1]].Softmax(-1), 1, generator: sg).ItemInt());
    return ids;
}

static string Shape(Tensor t) => "(" + string.Join(", ", t.Shape.ToArray()) + ")";
static string Row(Tensor t) => "[" + string.Join(" ", t.ToArray().Select(v => v.ToString("F2"))) + "]";
string Show(Tensor ids) => Decode(ids.ToIntArray()).Replace("\n", "\\n");
