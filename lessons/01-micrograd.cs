#:project ../src/Nabla/Nabla.csproj
// Lesson 1 — micrograd: backpropagation on single numbers, then a neural network trained with it.
// Run from the repository root:  dotnet run lessons/01-micrograd.cs
//
// The path of Karpathy's lecture "The spelled-out intro to neural networks and backpropagation":
//   1. a derivative, measured by nudging the input (finite difference);
//   2. an expression built by hand, its gradients worked out by hand with the chain rule, then by Backward();
//   3. one neuron, the same way;
//   4. a small MLP fitted to four examples;
//   5. the full training loop on two moons.
// The library code this lesson uses is src/Nabla/Scalar/Value.cs (read it beside this file).
using System.Globalization;
using Nabla.Scalar;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
int mismatches = 0;

// ---- 1. A derivative by finite difference ------------------------------------------------------------
// f(x) = 3x² - 4x + 5 has f'(x) = 6x - 4, so f'(3) = 14. Nudge x by a small h each way and look at the slope.
static double F(double x) => 3 * x * x - 4 * x + 5;
double x0 = 3.0, h = 1e-5;
double slope = (F(x0 + h) - F(x0 - h)) / (2 * h);
Console.WriteLine("1. derivative of f(x) = 3x^2 - 4x + 5 at x = 3");
Console.WriteLine($"   finite difference: {slope:F6}   calculus (6x - 4): {6 * x0 - 4:F6}");
Check("f'(3)", 6 * x0 - 4, slope, tolerance: 1e-6);

// ---- 2. An expression, backward by hand and by Backward() ------------------------------------------
//   e = a·b,  d = e + c,  L = d·f
var a = new Value(2.0, "a");
var b = new Value(-3.0, "b");
var c = new Value(10.0, "c");
var f = new Value(-2.0, "f");
Value e = a * b; e.Label = "e";
Value d = e + c; d.Label = "d";
Value L = d * f; L.Label = "L";
Console.WriteLine();
Console.WriteLine($"2. L = (a*b + c) * f with a = 2, b = -3, c = 10, f = -2:  L = {L.Data}");

// By hand, from the output back, one local derivative at a time (the chain rule):
double dL_dL = 1;
double dL_dd = f.Data * dL_dL;          // L = d·f  → ∂L/∂d = f
double dL_df = d.Data * dL_dL;          //          → ∂L/∂f = d
double dL_de = 1 * dL_dd;               // d = e + c → a plus passes the gradient through unchanged
double dL_dc = 1 * dL_dd;
double dL_da = b.Data * dL_de;          // e = a·b  → ∂e/∂a = b
double dL_db = a.Data * dL_de;          //          → ∂e/∂b = a

L.Backward();                           // the same walk, done by the engine
Console.WriteLine("   gradient   by hand   by Backward()");
Check("dL/da", dL_da, a.Grad);
Check("dL/db", dL_db, b.Grad);
Check("dL/dc", dL_dc, c.Grad);
Check("dL/df", dL_df, f.Grad);
Check("dL/de", dL_de, e.Grad);
Check("dL/dd", dL_dd, d.Grad);

// One step downhill: move each leaf against its gradient and L goes down.
foreach (Value leaf in new[] { a, b, c, f }) leaf.Data -= 0.01 * leaf.Grad;
Value L2 = (a * b + c) * f;
Console.WriteLine($"   after one step of size 0.01 against the gradient: L = {L.Data} -> {L2.Data:F4}");

// ---- 3. A neuron ----------------------------------------------------------------------------------
//   o = tanh(x1·w1 + x2·w2 + b)   (the bias is chosen so that n = 0.8814 and o = 1/√2)
var x1 = new Value(2.0, "x1");
var x2 = new Value(0.0, "x2");
var w1 = new Value(-3.0, "w1");
var w2 = new Value(1.0, "w2");
var bias = new Value(6.8813735870195432, "b");
Value n = x1 * w1 + x2 * w2 + bias;
Value o = n.Tanh();
o.Backward();
Console.WriteLine();
Console.WriteLine($"3. a tanh neuron: n = {n.Data:F4}, o = tanh(n) = {o.Data:F4}");
double do_dn = 1 - o.Data * o.Data;     // tanh' = 1 - tanh²
Console.WriteLine("   gradient   by hand   by Backward()");
Check("do/dn", do_dn, n.Grad);
Check("do/dx1", w1.Data * do_dn, x1.Grad);
Check("do/dw1", x1.Data * do_dn, w1.Grad);
Check("do/dx2", w2.Data * do_dn, x2.Grad);
Check("do/dw2", x2.Data * do_dn, w2.Grad);
Console.WriteLine("   (DOT text of this graph: GraphDrawing.ToDot(o); 'nabla micrograd --graph o.svg' draws it)");

// ---- 4. An MLP fitted to four examples ----------------------------------------------------------
// Three inputs, two hidden layers of 4 ReLU neurons, one linear output; squared-error loss.
var mlp = new MLP(3, [4, 4, 1], seed: 42);
double[][] xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]];
double[] ys = [1.0, -1.0, -1.0, 1.0];
Console.WriteLine();
Console.WriteLine($"4. an MLP(3 -> 4 -> 4 -> 1), {mlp.Parameters().Count} parameters, fitted to 4 examples");
double firstLoss = 0, lastLoss = 0;
for (int step = 0; step < 30; step++)
{
    Value loss = new(0);
    for (int i = 0; i < xs.Length; i++)
        loss += (mlp.Forward(xs[i])[0] - ys[i]).Pow(2);
    mlp.ZeroGrad();                     // leaves accumulate: clear them before each backward
    loss.Backward();
    foreach (Value p in mlp.Parameters()) p.Data -= 0.02 * p.Grad;
    if (step == 0) firstLoss = loss.Data;
    lastLoss = loss.Data;
    if (step % 5 == 0 || step == 29) Console.WriteLine($"   step {step,2}  loss {loss.Data:F4}");
}
Console.WriteLine($"   predictions: [{string.Join(", ", xs.Select(x => mlp.Forward(x)[0].Data.ToString("F2")))}]  targets: [{string.Join(", ", ys)}]");
if (!(lastLoss < firstLoss)) { Console.WriteLine("   MISMATCH: the loss did not go down"); mismatches++; }

// ---- 5. The training loop on two moons ----------------------------------------------------------
// micrograd's demo: 100 points, MLP 2-16-16-1, max-margin loss + L2 1e-4, SGD with lr 1.0 -> 0.1.
var training = new MoonsTraining();
Console.WriteLine();
Console.WriteLine($"5. two moons: {training.Data.Count} points, MLP 2-16-16-1 ({training.Model.Parameters().Count} parameters)");
training.Train(s =>
{
    if (s.Step % 10 == 0 || s.Step == training.Options.Steps - 1)
        Console.WriteLine($"   step {s.Step,3}  loss {s.Loss:F4}  accuracy {s.Accuracy * 100:F0}%");
});
Console.WriteLine($"   final training accuracy: {training.Accuracy() * 100:F0}%");

Console.WriteLine();
Console.WriteLine(mismatches == 0 ? "every gradient by hand matched Backward()" : $"{mismatches} MISMATCHES");
return mismatches == 0 ? 0 : 1;

void Check(string name, double byHand, double byEngine, double tolerance = 1e-12)
{
    bool same = Math.Abs(byHand - byEngine) <= tolerance * Math.Max(1, Math.Abs(byHand));
    Console.WriteLine($"   {name,-8} {byHand,9:F4}   {byEngine,9:F4}{(same ? "" : "   MISMATCH")}");
    if (!same) mismatches++;
}
