using Nabla.Tensors;

namespace Nabla.Optim;

/// <summary>
/// Parameters that share hyper-parameters: nanoGPT, for one, decays the 2-D weights and not the biases and
/// LayerNorm gains, with two groups.
/// </summary>
public sealed class ParameterGroup(IEnumerable<Tensor> parameters, float? learningRate = null, float? weightDecay = null)
{
    public IReadOnlyList<Tensor> Parameters { get; } = parameters.ToList();
    /// <summary>Null until the optimizer fills in its default.</summary>
    public float? LearningRate { get; set; } = learningRate;
    public float? WeightDecay { get; set; } = weightDecay;
}

/// <summary>
/// Updates parameters from their gradients. <see cref="Step"/> runs under NoGrad with the public in-place
/// tensor operations, the same a user would write by hand; per-parameter state (momentum, moments) is
/// allocated at the first step and reused, so later steps allocate nothing.
/// </summary>
public abstract class Optimizer
{
    private readonly List<ParameterGroup> groups;

    protected Optimizer(IEnumerable<ParameterGroup> groups, float learningRate, float weightDecay)
    {
        if (!(learningRate >= 0f)) throw new ArgumentException($"{GetType().Name}: learning rate must be ≥ 0, got {learningRate}");
        if (!(weightDecay >= 0f)) throw new ArgumentException($"{GetType().Name}: weight decay must be ≥ 0, got {weightDecay}");
        this.groups = groups.ToList();
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (ParameterGroup group in this.groups)
        {
            group.LearningRate ??= learningRate;
            group.WeightDecay ??= weightDecay;
            foreach (Tensor p in group.Parameters)
            {
                if (!p.IsLeaf || !p.RequiresGrad)
                    throw new ArgumentException($"{GetType().Name}: {p.Name ?? "a tensor"} {Shapes.Format(p.Shape)} is not a leaf that requires a gradient");
                if (!p.IsContiguous)
                    throw new ArgumentException($"{GetType().Name}: parameter {p.Name ?? ""} {Shapes.Format(p.Shape)} must be contiguous");
                if (!seen.Add(p))
                    throw new ArgumentException($"{GetType().Name}: parameter {p.Name ?? ""} {Shapes.Format(p.Shape)} appears twice");
            }
        }
    }

    public IReadOnlyList<ParameterGroup> Groups => groups;

    /// <summary>Sets the learning rate of every group (what a schedule does each step).</summary>
    public float LearningRate
    {
        get => groups.Count == 0 ? 0f : groups[0].LearningRate!.Value;
        set { foreach (ParameterGroup g in groups) g.LearningRate = value; }
    }

    /// <summary>How many steps have been taken.</summary>
    public int StepCount { get; protected set; }

    /// <summary>One update of every parameter that has a gradient.</summary>
    public void Step()
    {
        StepCount++;
        using (Tensor.NoGrad())
            foreach (ParameterGroup group in groups)
                for (int i = 0; i < group.Parameters.Count; i++)
                {
                    Tensor p = group.Parameters[i];
                    if (p.Grad is Tensor grad) Update(p, grad, group.LearningRate!.Value, group.WeightDecay!.Value);
                }
    }

    /// <summary>Zeroes every parameter's gradient in place.</summary>
    public void ZeroGrad()
    {
        foreach (ParameterGroup group in groups)
            foreach (Tensor p in group.Parameters) p.Grad?.ZeroInPlace();
    }

    /// <summary>The update rule for one parameter, under NoGrad.</summary>
    protected abstract void Update(Tensor parameter, Tensor grad, float learningRate, float weightDecay);

    /// <summary>
    /// The optimizer's state as named tensors, for a checkpoint: "step" and, per parameter index i in group
    /// order, "state.i.NAME" for each state tensor the rule keeps.
    /// </summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var state = new Dictionary<string, Tensor> { ["step"] = Tensor.FromArray([StepCount]) };
        int index = 0;
        foreach (Tensor p in AllParameters())
        {
            foreach (var (name, tensor) in StateOf(p)) state[$"state.{index}.{name}"] = tensor;
            index++;
        }
        return state;
    }

    /// <summary>Restores <see cref="StateDict"/>'s output: every parameter's state, by index, with shapes checked.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        if (!state.TryGetValue("step", out Tensor? step) || step.DType != DType.Int32 || step.Count != 1)
            throw new InvalidDataException($"{GetType().Name}.LoadStateDict: no int32 'step'");
        var parameters = AllParameters().ToList();
        var expected = new HashSet<string> { "step" };
        for (int index = 0; index < parameters.Count; index++)
        {
            Tensor p = parameters[index];
            foreach (string name in StateNames)
            {
                string key = $"state.{index}.{name}";
                if (!state.TryGetValue(key, out Tensor? value)) continue;     // a parameter that never had a gradient
                expected.Add(key);
                if (!value.Shape.SequenceEqual(p.Shape))
                    throw new InvalidDataException($"{GetType().Name}.LoadStateDict: '{key}' has shape {Shapes.Format(value.Shape)}, parameter {p.Name ?? index.ToString(System.Globalization.CultureInfo.InvariantCulture)} has {Shapes.Format(p.Shape)}");
                RestoreState(p, name, value);
            }
        }
        if (state.Keys.FirstOrDefault(k => !expected.Contains(k)) is string unexpected)
            throw new InvalidDataException($"{GetType().Name}.LoadStateDict: unexpected '{unexpected}' (this optimizer has {parameters.Count} parameters)");
        StepCount = step.ItemInt();
    }

    private IEnumerable<Tensor> AllParameters() => groups.SelectMany(g => g.Parameters);

    /// <summary>The names of the state tensors this rule keeps per parameter.</summary>
    protected abstract IReadOnlyList<string> StateNames { get; }

    /// <summary>This parameter's state tensors (none before its first update).</summary>
    protected abstract IEnumerable<(string Name, Tensor Value)> StateOf(Tensor parameter);

    /// <summary>Sets one state tensor of a parameter from a checkpoint (a copy).</summary>
    protected abstract void RestoreState(Tensor parameter, string name, Tensor value);

    /// <summary>Puts all parameters in one group.</summary>
    protected static IEnumerable<ParameterGroup> OneGroup(IEnumerable<Tensor> parameters) => [new ParameterGroup(parameters)];
}
