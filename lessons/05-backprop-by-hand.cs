#:project ../src/Nabla/Nabla.csproj
// Lesson 5 — makemore, part 4: becoming a backprop ninja. The two-layer MLP with BatchNorm of lesson 4, its forward
// pass cut into atomic steps, and the backward pass written by hand, one step at a time, each gradient compared
// with autograd's.
// Run from the repository root:  dotnet run lessons/05-backprop-by-hand.cs
//
// The path of Karpathy's lecture "Building makemore Part 4: Becoming a Backprop Ninja":
//   1. the forward pass in atomic steps, every intermediate kept (Tensor.RetainGrad), then autograd's backward;
//   2. exercise 1: backward through every step by hand — cross-entropy, the second linear layer, tanh,
//      BatchNorm piece by piece, the first linear layer, the embedding lookup;
//   3. exercise 2: cross-entropy's backward in one line, dlogits = (softmax(logits) − onehot(Y)) / n;
//   4. exercise 3: BatchNorm's backward in one line.
// Each comparison prints as the lecture's cmp: exact (bit for bit), approximate (torch.allclose's
// |a − b| ≤ 1e-8 + 1e-5·|b|) and the largest difference.
using System.Globalization;
using Nabla.Data;
using Nabla.Tensors;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
int failures = 0;

Words words = Words.Load(Datasets.Resolve("names.txt"));          // NABLA_DATA_DIR, the cache, or a download
const int BlockSize = 3;
var (Xtr, Ytr) = words.Contexts(words.Split(WordSplit.Lecture).Train, BlockSize);   // 182,625 examples

// ---- the network, initialized as the lecture does ----------------------------------------------------
// Small random numbers everywhere, even for the biases and BatchNorm's gain and bias: all-zero parameters could
// hide a wrong gradient (a term multiplied by zero looks right).
int vocabSize = words.VocabularySize, nEmbd = 10, nHidden = 64, n = 32;
var g = new Generator(2147483647);
Tensor C = Param(Tensor.Randn([vocabSize, nEmbd], g));
Tensor W1 = Param(Tensor.Randn([nEmbd * BlockSize, nHidden], g) * (5f / 3 / MathF.Sqrt(nEmbd * BlockSize)));
Tensor b1 = Param(Tensor.Randn([nHidden], g) * 0.1f);   // useless with BatchNorm after it, but its gradient must be right
Tensor W2 = Param(Tensor.Randn([nHidden, vocabSize], g) * 0.1f);
Tensor b2 = Param(Tensor.Randn([vocabSize], g) * 0.1f);
Tensor bngain = Param(Tensor.Randn([1, nHidden], g) * 0.1f + 1f);
Tensor bnbias = Param(Tensor.Randn([1, nHidden], g) * 0.1f);
Tensor[] parameters = [C, W1, b1, W2, b2, bngain, bnbias];
Console.WriteLine($"{parameters.Sum(p => p.Count)} parameters; a batch of {n} examples");

Tensor ix = Tensor.RandInt(0, Xtr.Size(0), [n], g);
Tensor Xb = Xtr[ix], Yb = Ytr[ix];                              // (32, 3) contexts, (32) next characters
Tensor targetsAt = Tensor.FromArray(Yb.ToIntArray().Select((y, i) => i * vocabSize + y).ToArray());  // where [i, Yb[i]] is

// ---- 1. forward, in steps small enough to differentiate by hand ----------------------------------------
Tensor emb = C[Xb].RetainGrad();                                // (32, 3, 10) embed the characters
Tensor embcat = emb.Reshape(n, -1).RetainGrad();                // (32, 30) concatenate the vectors
// Linear layer 1
Tensor hprebn = (embcat.MatMul(W1) + b1).RetainGrad();          // (32, 64) hidden layer pre-activation
// BatchNorm layer
Tensor bnmeani = ((1f / n) * hprebn.Sum(0, keepDim: true)).RetainGrad();          // (1, 64)
Tensor bndiff = (hprebn - bnmeani).RetainGrad();                                   // (32, 64)
Tensor bndiff2 = bndiff.Pow(2f).RetainGrad();                                      // (32, 64)
Tensor bnvar = ((1f / (n - 1)) * bndiff2.Sum(0, keepDim: true)).RetainGrad();     // (1, 64) Bessel's n − 1
Tensor bnvar_inv = (bnvar + 1e-5f).Pow(-0.5f).RetainGrad();                        // (1, 64)
Tensor bnraw = (bndiff * bnvar_inv).RetainGrad();                                  // (32, 64)
Tensor hpreact = (bngain * bnraw + bnbias).RetainGrad();                           // (32, 64)
// Non-linearity
Tensor h = hpreact.Tanh().RetainGrad();                         // (32, 64)
// Linear layer 2
Tensor logits = (h.MatMul(W2) + b2).RetainGrad();               // (32, 27)
// Cross-entropy, spelled out
Tensor logit_maxes = logits.Max(1, keepDim: true).RetainGrad(); // (32, 1) subtracted for numerical safety
Tensor norm_logits = (logits - logit_maxes).RetainGrad();       // (32, 27)
Tensor counts = norm_logits.Exp().RetainGrad();                 // (32, 27)
Tensor counts_sum = counts.Sum(1, keepDim: true).RetainGrad();  // (32, 1)
Tensor counts_sum_inv = counts_sum.Pow(-1f).RetainGrad();       // (32, 1)
Tensor probs = (counts * counts_sum_inv).RetainGrad();          // (32, 27)
Tensor logprobs = probs.Log().RetainGrad();                     // (32, 27)
Tensor loss = -logprobs.Reshape(n * vocabSize)[targetsAt].Mean();   // -logprobs[range(n), Yb].mean()
loss.Backward();
Console.WriteLine($"loss = {loss.Item():F4}   (autograd has filled .Grad of every parameter and every step above)");

// ---- 2. exercise 1: backward through every step by hand -----------------------------------------------
Console.WriteLine();
Console.WriteLine("exercise 1: every step by hand");
using (Tensor.NoGrad())
{
    // loss = −mean of the picked log-probs: each picked one gets −1/n, the others 0.
    Tensor dlogprobs = Tensor.Zeros(n, vocabSize);
    for (int i = 0; i < n; i++) dlogprobs.Set(-1f / n, i, Yb.GetInt(i));
    Cmp("logprobs", dlogprobs, logprobs);
    Tensor dprobs = (1f / probs) * dlogprobs;                                  // d log x = 1/x
    Cmp("probs", dprobs, probs);
    // probs = counts · counts_sum_inv with counts_sum_inv (32, 1) broadcast over 27 columns: its gradient sums them.
    Tensor dcounts_sum_inv = (counts * dprobs).Sum(1, keepDim: true);
    Cmp("counts_sum_inv", dcounts_sum_inv, counts_sum_inv);
    Tensor dcounts = counts_sum_inv * dprobs;                                  // first of counts' two uses
    Tensor dcounts_sum = -counts_sum.Pow(-2f) * dcounts_sum_inv;               // d x⁻¹ = −x⁻²
    Cmp("counts_sum", dcounts_sum, counts_sum);
    dcounts = dcounts + Tensor.OnesLike(counts) * dcounts_sum;                 // second use: a sum routes its gradient to all
    Cmp("counts", dcounts, counts);
    Tensor dnorm_logits = counts * dcounts;                                    // d eˣ = eˣ, and counts = eˣ
    Cmp("norm_logits", dnorm_logits, norm_logits);
    Tensor dlogits = dnorm_logits.Clone();                                     // first of logits' two uses
    Tensor dlogit_maxes = (-dnorm_logits).Sum(1, keepDim: true);
    Cmp("logit_maxes", dlogit_maxes, logit_maxes);   // ≈ 0: the max cancels out of the softmax, as it should
    dlogits = dlogits + Tensor.OneHot(logits.ArgMax(1), vocabSize) * dlogit_maxes;   // the max passes it to its argmax
    Cmp("logits", dlogits, logits);
    // logits = h @ W2 + b2: the shapes decide the formulas — dh (32, 64) = dlogits (32, 27) @ W2ᵀ (27, 64), ...
    Tensor dh = dlogits.MatMul(W2.T);
    Tensor dW2 = h.T.MatMul(dlogits);
    Tensor db2 = dlogits.Sum(0);
    Cmp("h", dh, h);
    Cmp("W2", dW2, W2);
    Cmp("b2", db2, b2);
    Tensor dhpreact = (1f - h.Pow(2f)) * dh;                                   // d tanh x = 1 − tanh² x
    Cmp("hpreact", dhpreact, hpreact);
    Tensor dbngain = (bnraw * dhpreact).Sum(0, keepDim: true);
    Tensor dbnraw = bngain * dhpreact;
    Tensor dbnbias = dhpreact.Sum(0, keepDim: true);
    Cmp("bngain", dbngain, bngain);
    Cmp("bnraw", dbnraw, bnraw);
    Cmp("bnbias", dbnbias, bnbias);
    Tensor dbndiff = bnvar_inv * dbnraw;                                       // first of bndiff's two uses
    Tensor dbnvar_inv = (bndiff * dbnraw).Sum(0, keepDim: true);
    Cmp("bnvar_inv", dbnvar_inv, bnvar_inv);
    Tensor dbnvar = -0.5f * (bnvar + 1e-5f).Pow(-1.5f) * dbnvar_inv;
    Cmp("bnvar", dbnvar, bnvar);
    Tensor dbndiff2 = (1f / (n - 1)) * Tensor.OnesLike(bndiff2) * dbnvar;
    Cmp("bndiff2", dbndiff2, bndiff2);
    dbndiff = dbndiff + 2f * bndiff * dbndiff2;                                // second use, through the square
    Cmp("bndiff", dbndiff, bndiff);
    Tensor dhprebn = dbndiff.Clone();                                          // first of hprebn's two uses
    Tensor dbnmeani = (-dbndiff).Sum(0, keepDim: true);
    Cmp("bnmeani", dbnmeani, bnmeani);
    dhprebn = dhprebn + (1f / n) * (Tensor.OnesLike(hprebn) * dbnmeani);       // second use, through the mean
    Cmp("hprebn", dhprebn, hprebn);
    Tensor dembcat = dhprebn.MatMul(W1.T);
    Tensor dW1 = embcat.T.MatMul(dhprebn);
    Tensor db1 = dhprebn.Sum(0);
    Cmp("embcat", dembcat, embcat);
    Cmp("W1", dW1, W1);
    Cmp("b1", db1, b1);
    Tensor demb = dembcat.Reshape(emb.Shape.ToArray());                        // undo the concatenation
    Cmp("emb", demb, emb);
    // The lookup C[Xb] copied row Xb[k, j] of C: its gradient goes back there, added up when a character repeats.
    Tensor dC = Tensor.ZerosLike(C);
    for (int k = 0; k < Xb.Size(0); k++)
        for (int j = 0; j < Xb.Size(1); j++)
            dC[Xb.GetInt(k, j)].AddInPlace(demb[k][j]);
    Cmp("C", dC, C);
}

// ---- 3. exercise 2: cross-entropy's backward in one line ---------------------------------------------
// Worked on paper, the whole chain from loss to logits collapses: dloss/dlogits[i, j] = (softmax(logits)[i, j] −
// 1[j = Yb[i]]) / n. Each row pulls the wrong characters' probabilities down and the right one's up, by exactly
// as much, so every row of the gradient sums to zero.
Console.WriteLine();
Console.WriteLine("exercise 2: cross-entropy fused");
using (Tensor.NoGrad())
{
    Tensor lossFast = logits.CrossEntropy(Yb);
    Console.WriteLine($"   cross-entropy in one op: {lossFast.Item():F6}, in steps: {loss.Item():F6}, difference {MathF.Abs(lossFast.Item() - loss.Item()):E1}");
    if (MathF.Abs(lossFast.Item() - loss.Item()) > 1e-5f) { failures++; Console.WriteLine("   MISMATCH the two losses differ"); }
    Tensor dlogits = (logits.Softmax(1) - Tensor.OneHot(Yb, vocabSize)) / n;
    Cmp("logits", dlogits, logits);
    Console.WriteLine($"   largest |row sum| of dlogits: {dlogits.Sum(1).Abs().Max().Item():E1}");
}

// ---- 4. exercise 3: BatchNorm's backward in one line ------------------------------------------------
// The forward in one expression; its backward worked on paper through the mean and the variance at once:
// dhprebn = bngain · bnvar_inv / n · (n · dhpreact − Σ dhpreact − n/(n−1) · bnraw · Σ (dhpreact · bnraw)),
// the sums over the batch. (dhpreact is autograd's here, so only the BatchNorm step is on trial.)
Console.WriteLine();
Console.WriteLine("exercise 3: BatchNorm fused");
using (Tensor.NoGrad())
{
    Tensor hpreactFast = bngain * (hprebn - hprebn.Mean(0, keepDim: true)) / (hprebn.Var(0, keepDim: true, correction: 1) + 1e-5f).Sqrt() + bnbias;
    float forwardDiff = (hpreactFast - hpreact).Abs().Max().Item();
    Console.WriteLine($"   forward in one expression vs in steps: max difference {forwardDiff:E1}");
    if (forwardDiff > 1e-5f) { failures++; Console.WriteLine("   MISMATCH the two forwards differ"); }
    Tensor dhpreact = hpreact.Grad!;
    Tensor dhprebn = bngain * bnvar_inv / n * (n * dhpreact - dhpreact.Sum(0, keepDim: true)
                     - (float)n / (n - 1) * bnraw * (dhpreact * bnraw).Sum(0, keepDim: true));
    Cmp("hprebn", dhprebn, hprebn);
}

Console.WriteLine();
Console.WriteLine(failures == 0 ? "every gradient by hand matched autograd's" : $"{failures} comparison(s) FAILED");
return failures == 0 ? 0 : 1;

// ---- functions used above -------------------------------------------------------------------------------------------
static Tensor Param(Tensor init) => init.Detach().RequireGrad();

// The lecture's cmp(s, dt, t): is the hand gradient dt equal to autograd's t.Grad, exactly, approximately, and by how much at most.
void Cmp(string name, Tensor dt, Tensor t)
{
    Tensor grad = t.Grad ?? throw new InvalidOperationException($"{name}: autograd left no gradient (RetainGrad missing?)");
    if (!dt.Shape.SequenceEqual(t.Shape))
        throw new InvalidOperationException($"{name}: the hand gradient has shape [{string.Join(",", dt.Shape.ToArray())}], the tensor [{string.Join(",", t.Shape.ToArray())}]");
    float[] mine = dt.ToArray(), autograd = grad.ToArray();
    bool exact = mine.AsSpan().SequenceEqual(autograd);
    bool approximate = true;
    float maxDiff = 0f;
    for (int i = 0; i < mine.Length; i++)
    {
        float diff = MathF.Abs(mine[i] - autograd[i]);
        approximate &= diff <= 1e-8f + 1e-5f * MathF.Abs(autograd[i]);
        maxDiff = MathF.Max(maxDiff, diff);
    }
    if (!approximate) failures++;
    Console.WriteLine($"   {name,-15} | exact: {exact,-5} | approximate: {approximate,-5} | maxdiff: {maxDiff:G4}");
}
