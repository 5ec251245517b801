using System.Text.RegularExpressions;
using Pipelines.Onnx;

namespace Pipelines.Transforms.LowRank;

/// <summary>
/// Which 2-D MatMul/Gemm weights get adapters. Every filter that is set must match (they are AND-ed); with none set the
/// selector is <see cref="AllLinear"/>: every linear weight except the pooler/output head (as peft's <c>all-linear</c>).
/// </summary>
public sealed record TargetSelector
{
    /// <summary>Every linear weight except the pooler.</summary>
    public static TargetSelector AllLinear { get; } = new();

    /// <summary>Only weights with one of these structural roles (q, k, v, o, ffn-in, ffn-out, pooler).</summary>
    public IReadOnlyList<WeightRole>? Roles { get; init; }

    /// <summary>Only weights whose module name, node name or initializer name matches this regular expression.</summary>
    public string? NamePattern { get; init; }

    /// <summary>Only weights in these transformer layers (0-based).</summary>
    public IReadOnlyList<int>? Layers { get; init; }

    /// <summary>A selector for the given roles.</summary>
    public static TargetSelector ForRoles(params WeightRole[] roles) => new() { Roles = roles };

    /// <summary>True when <paramref name="weight"/> (named <paramref name="module"/>) is selected.</summary>
    public bool Matches(LinearWeight weight, string module)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (Roles is null && weight.Role == WeightRole.Pooler)
        {
            return false;
        }

        if (Roles is not null && !Roles.Contains(weight.Role))
        {
            return false;
        }

        if (Layers is not null && !Layers.Contains(weight.Layer))
        {
            return false;
        }

        if (NamePattern is not null)
        {
            var regex = new Regex(NamePattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            if (!regex.IsMatch(module) && !regex.IsMatch(weight.Node) && !regex.IsMatch(weight.Initializer))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A short description for reports (e.g. <c>all-linear</c>, <c>roles=q,v layers=0,1</c>).</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (Roles is not null)
        {
            parts.Add("roles=" + string.Join(",", Roles.Select(r => r.ShortName())));
        }

        if (Layers is not null)
        {
            parts.Add("layers=" + string.Join(",", Layers));
        }

        if (NamePattern is not null)
        {
            parts.Add("pattern=" + NamePattern);
        }

        return parts.Count == 0 ? "all-linear" : string.Join(" ", parts);
    }
}

/// <summary>A per-target override of rank and/or alpha (peft's <c>rank_pattern</c> / <c>alpha_pattern</c>).</summary>
/// <param name="Pattern">Regular expression over module names; the first matching override wins.</param>
/// <param name="Rank">The rank for matching targets, or <see langword="null"/> to keep the default.</param>
/// <param name="Alpha">The alpha for matching targets, or <see langword="null"/> to keep the default.</param>
public sealed record TargetOverride(string Pattern, int? Rank = null, float? Alpha = null);
