namespace Nabla.Scalar;

public sealed partial class Value
{
    /// <summary>
    /// What all nodes made by one operation share: its symbol and its backward rule, which takes the
    /// output node <c>o</c> and adds to each operand's Grad its share of <c>o.Grad</c> (the local
    /// derivative times the gradient arriving from above); <see cref="Constant"/> carries Pow's exponent.
    /// </summary>
    /// <remarks>
    /// micrograd gives every node a closure over its operands. Here the rules are <c>static</c> lambdas
    /// that capture nothing and read the operands from the output node, so each operation's rule is made
    /// once and a node costs one 72-byte object: a training step of micrograd's demo allocates its graph
    /// and nothing else (docs/micrograd.md has the measurements).
    /// </remarks>
    private sealed class Operation(string symbol, Action<Value> backward, double constant = 0)
    {
        public string Symbol { get; } = symbol;
        public Action<Value> Backward { get; } = backward;
        public double Constant { get; } = constant;
    }

    // Inside a backward rule: the output node is `o`, its operands are o.A and o.B.
    private Value A => _a!;
    private Value B => _b!;
}
