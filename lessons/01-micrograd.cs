#:project ../src/Nabla/Nabla.csproj
// Lesson 1 — micrograd: build a tiny autograd engine by hand, then train a neural network with Nabla's.
// Run from the repository root:  dotnet run lessons/01-micrograd.cs
//
// The path of Karpathy's lecture "The spelled-out intro to neural networks and backpropagation: building
// micrograd":
//   1. a derivative, measured by nudging the input;
//   2. a Value that remembers how it was computed: + and * (the class is at the bottom of this file);
//   3. backpropagation by hand, then each operation's backward step, then the topological sort;
//   4. a value used twice (a + a): the bug of '=' and why gradients must accumulate;
//   5. a neuron with tanh, and tanh taken apart into exp, subtraction and division: the same gradients;
//   6. Nabla's Value (src/Nabla/Scalar/Value.cs): the same numbers, and a drawing of the graph;
//   7. Neuron, Layer, MLP: a tiny network fitted to four examples;
//   8. micrograd's demo: two moons, max-margin loss, L2 regularization, SGD — the training loop written out.
using System.Globalization;
using Nabla.Data;
using Nabla.Scalar;
using NablaValue = Nabla.Scalar.Value; // the lesson's own Value (below) has the short name

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
int mismatches = 0;

// ---- 1. A derivative by nudging the input -------------------------------------------------------------
// f(x) = 3x² - 4x + 5. Its derivative says how much f moves per unit of x when x moves a tiny bit:
// (f(x + h) - f(x)) / h for a small h. Calculus says 6x - 4, so 14 at x = 3.
static double F(double x) => 3 * x * x - 4 * x + 5;
double h = 1e-6;
Console.WriteLine("1. the derivative of f(x) = 3x^2 - 4x + 5, by nudging x by h = 1e-6");
foreach (double x in new[] { 3.0, -3.0, 2.0 / 3 })
{
    double slope = (F(x + h) - F(x)) / h;
    Check($"f'({x:0.###})", 6 * x - 4, slope, tolerance: 1e-5);
}
// With more inputs, one derivative per input: d = a·b + c, nudge a and d moves by b = -3 per unit.
double da = ((2.0 + h) * -3.0 + 10.0 - (2.0 * -3.0 + 10.0)) / h;
Check("dd/da", -3.0, da, tolerance: 1e-5);

// ---- 2. A Value that remembers how it was computed -----------------------------------------------------
// Each Value holds a number, the Values it was made from (its children) and the operation that made it.
// Here only + and * are used: the forward pass.
var a = new Value(2.0, label: "a");
var b = new Value(-3.0, label: "b");
var c = new Value(10.0, label: "c");
var f = new Value(-2.0, label: "f");
Value e = a * b; e.Label = "e";
Value d = e + c; d.Label = "d";
Value L = d * f; L.Label = "L";
Console.WriteLine();
Console.WriteLine($"2. L = (a*b + c) * f = {L.Data}; L was made by '{L.Op}' from {string.Join(" and ", L.Children.Select(v => v.Label))}");

// ---- 3. Backpropagation: by hand, then by backward steps, then by a topological sort ------------------
// What we want: dL/dv for every v. Start at the output, dL/dL = 1, and walk back with the chain rule:
// through a product the gradient is multiplied by the other factor; through a sum it passes unchanged.
double dL_dd = f.Data, dL_df = d.Data;    // L = d·f
double dL_de = dL_dd, dL_dc = dL_dd;      // d = e + c
double dL_da = b.Data * dL_de;            // e = a·b
double dL_db = a.Data * dL_de;
Console.WriteLine();
Console.WriteLine("3. gradients of L           expected   got");
// Each gradient checked against the slope measured as in part 1: nudge one leaf, rebuild L.
Check("dL/da numerically", dL_da, Slope(() => a.Data += h), tolerance: 1e-6);
Check("dL/db numerically", dL_db, Slope(() => b.Data += h), tolerance: 1e-6);
Check("dL/dc numerically", dL_dc, Slope(() => c.Data += h), tolerance: 1e-6);
Check("dL/df numerically", dL_df, Slope(() => f.Data += h), tolerance: 1e-6);

// Each operation knows its own local derivative, so it can do its step of this walk itself: that is the
// BackwardStep of + and * in the class below. Called by hand, from the output back:
L.Grad = 1;
L.BackwardStep();   // fills d.Grad and f.Grad
d.BackwardStep();   // fills e.Grad and c.Grad
e.BackwardStep();   // fills a.Grad and b.Grad
Check("dL/da by steps", dL_da, a.Grad);
Check("dL/db by steps", dL_db, b.Grad);
Check("dL/de by steps", dL_de, e.Grad);

// The order matters: a node's step may run only once its own gradient is complete, after every node
// that uses it. A topological sort (every node after its children) read backwards is such an order.
// Backward() in the class below sorts, sets the output's gradient to 1 and runs every step.
foreach (Value v in new[] { a, b, c, d, e, f, L }) v.Grad = 0;
L.Backward();
Console.WriteLine($"   topological order: {string.Join(" ", L.TopologicalOrder().Select(v => v.Label))}");
Check("dL/da by Backward()", dL_da, a.Grad);
Check("dL/db by Backward()", dL_db, b.Grad);
Check("dL/dc by Backward()", dL_dc, c.Grad);
Check("dL/df by Backward()", dL_df, f.Grad);

// A gradient points uphill: a small step of every leaf against its gradient lowers L.
foreach (Value leaf in new[] { a, b, c, f }) leaf.Data -= 0.01 * leaf.Grad;
Console.WriteLine($"   one step of 0.01 against the gradient: L = {L.Data} -> {((a * b + c) * f).Data:F4}");

// ---- 4. A value used twice --------------------------------------------------------------------------
// A first attempt at + sets its children's gradients with '=' instead of adding to them. For a value used
// twice the second use then overwrites the first: y = x + x gets dy/dx = 1, yet y = 2x. The multivariate
// chain rule says the contributions of every use add up, which is why every step in the class uses '+='.
Value AddWithAssignment(Value left, Value right)
{
    var output = new Value(left.Data + right.Data, [left, right], "+");
    output.BackwardStep = () =>
    {
        left.Grad = output.Grad;      // the bug: '=' where '+=' belongs
        right.Grad = output.Grad;
    };
    return output;
}
var x4 = new Value(3.0, label: "x");
AddWithAssignment(x4, x4).Backward();
Console.WriteLine();
Console.WriteLine($"4. y = x + x with '=' in the backward step: dy/dx = {x4.Grad} (wrong)");
if (x4.Grad != 1) { Console.WriteLine("   MISMATCH: the bug did not show"); mismatches++; }
x4.Grad = 0;
(x4 + x4).Backward();
Check("dy/dx with '+='", 2.0, x4.Grad);
// The same in a bigger graph: x feeds both factors of (x·w)·(x + w).
var x5 = new Value(-2.0, label: "x");
var w5 = new Value(3.0, label: "w");
Value product = x5 * w5 * (x5 + w5);
product.Backward();
Check("d/dx (xw)(x+w)", 2 * x5.Data * w5.Data + w5.Data * w5.Data, x5.Grad);  // 2xw + w²

// ---- 5. A neuron, and tanh taken apart ------------------------------------------------------------------
// o = tanh(x1·w1 + x2·w2 + b): two inputs, their weights, a bias (chosen so that o = 1/√2), a squashing
// function. Tanh is one operation with local derivative 1 - tanh².
Value x1 = new(2.0, label: "x1"), x2 = new(0.0, label: "x2");
Value w1 = new(-3.0, label: "w1"), w2 = new(1.0, label: "w2");
Value bias = new(6.8813735870195432, label: "b");
Value n = x1 * w1 + x2 * w2 + bias;
Value o = n.Tanh();
o.Backward();
double do_dn = 1 - o.Data * o.Data;
Console.WriteLine();
Console.WriteLine($"5. a tanh neuron: n = {n.Data:F4}, o = tanh(n) = {o.Data:F4}");
Check("do/dn", do_dn, n.Grad);
Check("do/dx1", w1.Data * do_dn, x1.Grad);
Check("do/dw1", x1.Data * do_dn, w1.Grad);
Check("do/dx2", w2.Data * do_dn, x2.Grad);
Check("do/dw2", x2.Data * do_dn, w2.Grad);

// How big an operation is, is up to us: tanh(n) = (e^2n - 1) / (e^2n + 1) from exp, pow, + and *
// (a - b is a + (-1)·b; a / b is a·b^-1). Each of them knows its local derivative, and the walk gives
// the same gradients as tanh did (e^2n is used twice: part 4 at work).
double[] tanhGradients = [x1.Grad, w1.Grad, x2.Grad, w2.Grad, bias.Grad];
foreach (Value leaf in new[] { x1, w1, x2, w2, bias }) leaf.Grad = 0;
Value exp2n = (2 * (x1 * w1 + x2 * w2 + bias)).Exp();
Value oComposed = (exp2n - 1) / (exp2n + 1);
oComposed.Backward();
Check("o composed", o.Data, oComposed.Data);
double[] composedGradients = [x1.Grad, w1.Grad, x2.Grad, w2.Grad, bias.Grad];
for (int i = 0; i < tanhGradients.Length; i++)
    Check($"d/d{new[] { "x1", "w1", "x2", "w2", "b" }[i]} composed", tanhGradients[i], composedGradients[i]);

// ---- 6. Nabla's Value ---------------------------------------------------------------------------------
// src/Nabla/Scalar/Value.cs is this class grown up: more operations, the same forward-and-backward
// pairs, a topological sort that needs no deep call stack (it walks graphs of millions of nodes), and
// errors that say what went wrong. The same neuron gives the same gradients.
NablaValue nx1 = new(2.0, "x1"), nx2 = new(0.0, "x2"), nw1 = new(-3.0, "w1"), nw2 = new(1.0, "w2");
NablaValue nb = new(6.8813735870195432, "b");
NablaValue nn = nx1 * nw1 + nx2 * nw2 + nb; nn.Label = "n";
NablaValue no = nn.Tanh(); no.Label = "o";
no.Backward();
Console.WriteLine();
Console.WriteLine($"6. Nabla's Value: {no}");
Check("do/dx1 (Nabla)", tanhGradients[0], nx1.Grad);
Check("do/dw1 (Nabla)", tanhGradients[1], nw1.Grad);
Check("do/dx2 (Nabla)", tanhGradients[2], nx2.Grad);
Check("do/dw2 (Nabla)", tanhGradients[3], nw2.Grad);
Check("do/db (Nabla)", tanhGradients[4], nb.Grad);
// The graph, drawn: a box per value (label, data, grad), an oval per operation. DOT text always; an
// SVG picture when Graphviz's 'dot' program is installed.
Directory.CreateDirectory("out/01-micrograd");
GraphDrawing.Write(no, "out/01-micrograd/neuron.dot");
Console.WriteLine($"   graph of o: out/01-micrograd/neuron.dot ({no.Graph().Count} values)");
try
{
    GraphDrawing.Write(no, "out/01-micrograd/neuron.svg");
    Console.WriteLine("   drawn:      out/01-micrograd/neuron.svg");
}
catch (InvalidOperationException error)
{
    Console.WriteLine($"   (no SVG: {error.Message})");
}

// ---- 7. Neuron, Layer, MLP ----------------------------------------------------------------------------
// A neuron: relu(w·x + b) with random weights (Nabla's neurons use ReLU, as micrograd's library does;
// the lecture used tanh). A layer: neurons side by side, reading the same inputs. An MLP: layers in a
// row; the last layer stays linear so its output can be any number.
var random = new Random(7);
var neuron = new Neuron(3, nonlinear: true, random);
var layer = new Layer(3, 4, nonlinear: true, random);
double[][] xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]];
double[] ys = [1.0, -1.0, -1.0, 1.0];
NablaValue[] firstInput = [.. xs[0].Select(v => new NablaValue(v))];
Console.WriteLine();
Console.WriteLine($"7. a neuron of 3 inputs says {neuron.Forward(firstInput).Data:F4} to {string.Join(", ", xs[0])}; a layer of 4 says [{string.Join(", ", layer.Forward(firstInput).Select(v => v.Data.ToString("F4")))}]");
var mlp = new MLP(3, [4, 4, 1], seed: 42);
Console.WriteLine($"   MLP(3 -> 4 -> 4 -> 1): {mlp.Parameters().Count} parameters, fitted to 4 examples by squared error");
double firstLoss = 0, lastLoss = 0;
for (int step = 0; step < 30; step++)
{
    NablaValue loss = new(0);
    for (int i = 0; i < xs.Length; i++)
        loss += (mlp.Forward(xs[i])[0] - ys[i]).Pow(2);
    mlp.ZeroGrad();     // leaves keep adding up gradients (part 4): clear them before each backward pass
    loss.Backward();
    foreach (NablaValue p in mlp.Parameters()) p.Data -= 0.02 * p.Grad;
    if (step == 0) firstLoss = loss.Data;
    lastLoss = loss.Data;
    if (step % 10 == 0 || step == 29) Console.WriteLine($"   step {step,2}  loss {loss.Data:F4}");
}
Console.WriteLine($"   predictions [{string.Join(", ", xs.Select(x => mlp.Forward(x)[0].Data.ToString("F2")))}]  targets [{string.Join(", ", ys)}]");
if (!(lastLoss < firstLoss / 10)) { Console.WriteLine("   MISMATCH: the loss did not fall tenfold"); mismatches++; }

// ---- 8. Two moons: micrograd's demo -------------------------------------------------------------------
// 100 points on two interleaved half circles, labels -1 and +1; an MLP 2-16-16-1 gives each point a
// score whose sign is its class. The seeds are micrograd's demo seed (1337) and the next one.
TwoMoons moons = TwoMoons.Generate(100, noise: 0.1, seed: 1337);
var model = new MLP(2, [16, 16, 1], seed: 1338);
NablaValue[][] inputs = [.. Enumerable.Range(0, moons.Count).Select(i => new NablaValue[] { new(moons.X[i]), new(moons.Y[i]) })];
const int steps = 100;
const double alpha = 1e-4;    // strength of the L2 regularization
Console.WriteLine();
Console.WriteLine($"8. two moons: {moons.Count} points, MLP 2-16-16-1 ({model.Parameters().Count} parameters), {steps} steps of SGD");
for (int step = 0; step < steps; step++)
{
    // Forward over the batch (all the points): one score each.
    NablaValue dataLoss = new(0);
    int correct = 0;
    for (int i = 0; i < moons.Count; i++)
    {
        double label = moons.Labels[i];
        NablaValue score = model.Forward(inputs[i])[0];
        // The SVM's max-margin ("hinge") loss: nothing for a point on the right side by a margin of 1,
        // and growing linearly the further it is from that.
        dataLoss += (1 - label * score).Relu();
        if (label > 0 == score.Data > 0) correct++;
    }
    dataLoss *= 1.0 / moons.Count;
    // L2 regularization: a small cost on the size of every weight, which keeps the boundary smooth.
    NablaValue sumOfSquares = new(0);
    foreach (NablaValue p in model.Parameters()) sumOfSquares += p * p;
    NablaValue loss = dataLoss + alpha * sumOfSquares;
    double accuracy = (double)correct / moons.Count;

    // Backward, then one step of stochastic gradient descent with a learning rate going from 1.0 to 0.1.
    model.ZeroGrad();
    loss.Backward();
    double learningRate = 1.0 - 0.9 * step / steps;
    foreach (NablaValue p in model.Parameters()) p.Data -= learningRate * p.Grad;

    if (step % 10 == 0 || step == steps - 1)
        Console.WriteLine($"   step {step,3}  loss {loss.Data:F4}  accuracy {accuracy * 100,3:F0}%  learning rate {learningRate:F3}");
}
int right = Enumerable.Range(0, moons.Count).Count(i => moons.Labels[i] > 0 == model.Forward(moons.X[i], moons.Y[i])[0].Data > 0);
Console.WriteLine($"   final training accuracy: {100.0 * right / moons.Count:F0}%");
Console.WriteLine("   (nabla micrograd --plot moons.png draws the decision boundary)");

Console.WriteLine();
Console.WriteLine(mismatches == 0 ? "every gradient matched" : $"{mismatches} MISMATCHES");
return mismatches == 0 ? 0 : 1;

// How far L moves when one leaf is nudged by h (the nudge is undone afterwards), per unit of nudge.
double Slope(Action nudge)
{
    double[] saved = [a.Data, b.Data, c.Data, f.Data];
    double before = ((a * b + c) * f).Data;
    nudge();
    double after = ((a * b + c) * f).Data;
    (a.Data, b.Data, c.Data, f.Data) = (saved[0], saved[1], saved[2], saved[3]);
    return (after - before) / h;
}

void Check(string name, double expected, double got, double tolerance = 1e-9)
{
    bool same = Math.Abs(expected - got) <= tolerance * Math.Max(1, Math.Abs(expected));
    Console.WriteLine($"   {name,-24} {expected,9:F4} {got,9:F4}{(same ? "" : "   MISMATCH")}");
    if (!same) mismatches++;
}

/// <summary>
/// The lecture's Value: a number, the Values it was computed from, and a step that pushes its gradient to
/// them. Grown in the order of the lesson: data, children and + and * (part 2); Grad, each operation's
/// BackwardStep and Backward() (part 3); '+=' (part 4); tanh, exp, pow and the operations made of them (part 5).
/// </summary>
class Value(double data, Value[]? children = null, string op = "", string label = "")
{
    public double Data = data;
    public double Grad;                              // dL/d(this), filled by the backward pass
    public string Label = label;
    public readonly Value[] Children = children ?? [];
    public readonly string Op = op;
    public Action BackwardStep = () => { };          // a leaf has nothing to push its gradient to

    public static Value operator +(Value a, Value b)
    {
        var output = new Value(a.Data + b.Data, [a, b], "+");
        output.BackwardStep = () =>
        {
            a.Grad += output.Grad;                   // d(a+b)/da = 1: the gradient passes through
            b.Grad += output.Grad;
        };
        return output;
    }

    public static Value operator *(Value a, Value b)
    {
        var output = new Value(a.Data * b.Data, [a, b], "*");
        output.BackwardStep = () =>
        {
            a.Grad += b.Data * output.Grad;          // d(ab)/da = b
            b.Grad += a.Data * output.Grad;          // d(ab)/db = a
        };
        return output;
    }

    public Value Tanh()
    {
        var output = new Value(Math.Tanh(Data), [this], "tanh");
        output.BackwardStep = () => Grad += (1 - output.Data * output.Data) * output.Grad;  // 1 - tanh²
        return output;
    }

    public Value Exp()
    {
        var output = new Value(Math.Exp(Data), [this], "exp");
        output.BackwardStep = () => Grad += output.Data * output.Grad;                      // (eˣ)' = eˣ
        return output;
    }

    public Value Pow(double k)
    {
        var output = new Value(Math.Pow(Data, k), [this], $"^{k}");
        output.BackwardStep = () => Grad += k * Math.Pow(Data, k - 1) * output.Grad;         // (xᵏ)' = k·xᵏ⁻¹
        return output;
    }

    // Built from the operations above, so they need no backward step of their own.
    public static Value operator -(Value a) => a * new Value(-1);
    public static Value operator -(Value a, Value b) => a + (-b);
    public static Value operator /(Value a, Value b) => a * b.Pow(-1);
    public static Value operator +(Value a, double b) => a + new Value(b);
    public static Value operator -(Value a, double b) => a - new Value(b);
    public static Value operator *(double a, Value b) => new Value(a) * b;

    /// <summary>Every value this one depends on, each after its children (micrograd's build_topo; the
    /// recursion is as deep as the graph, fine for a lesson, not for a million-operation chain).</summary>
    public List<Value> TopologicalOrder()
    {
        var order = new List<Value>();
        var visited = new HashSet<Value>();
        void Visit(Value v)
        {
            if (!visited.Add(v)) return;
            foreach (Value child in v.Children) Visit(child);
            order.Add(v);
        }
        Visit(this);
        return order;
    }

    public void Backward()
    {
        List<Value> order = TopologicalOrder();
        Grad = 1;
        for (int i = order.Count - 1; i >= 0; i--) order[i].BackwardStep();
    }
}
