using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace Pipelines.Trainers;

/// <summary>
/// Renders the options of a run as the text of <see cref="TrainingRunOptions.Configuration"/>, which a checkpoint
/// stores and a resume must match. The text is what the records' compiler-generated <c>ToString</c> prints
/// (<c>Type { A = 1, B = Nested { … } }</c>), with one difference that keeps checkpoints resumable across builds: each
/// record type has a frozen list of the properties it had when its checkpoints were first written, and a property
/// outside that list — one added later — is printed only while it differs from its default. So a new option at its
/// default leaves the text, and every older checkpoint, unchanged; setting it changes the text, and a checkpoint
/// written without it is refused.
/// </summary>
/// <remarks>
/// A record type missing from the frozen lists prints every property (as <c>ToString</c> would); the tests of each
/// task walk the types reachable from its options and require a list for each, so a new record type cannot slip in
/// unfrozen. A property's default is its value in the type's default instance (parameterless constructor, or the
/// constructor whose parameters are all optional), else the default of its type.
/// </remarks>
internal static class RunConfiguration
{
    private static readonly ConcurrentDictionary<Type, object?> s_defaults = new();

    /// <summary>Renders <paramref name="value"/>; <paramref name="frozen"/> maps a record type to its frozen property names.</summary>
    public static string Describe(object? value, IReadOnlyDictionary<Type, string[]> frozen)
    {
        var text = new StringBuilder();
        Append(text, value, frozen);
        return text.ToString();
    }

    /// <summary>Whether <paramref name="type"/> prints itself as a record (compiler-generated <c>ToString</c> over <c>PrintMembers</c>).</summary>
    public static bool IsPrintedRecord(Type type) =>
        type.GetMethod(nameof(ToString), Type.EmptyTypes)?.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false) == true
        && type.GetMethod("PrintMembers", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public, [typeof(StringBuilder)]) is not null;

    /// <summary>The printed properties of a record type, in the order its <c>PrintMembers</c> prints them (base type first, declaration order, overrides printed where first declared).</summary>
    public static IEnumerable<PropertyInfo> PrintedProperties(Type type)
    {
        var levels = new Stack<Type>();
        for (Type? t = type; t is not null && IsPrintedRecord(t); t = t.BaseType)
        {
            levels.Push(t);
        }

        foreach (Type level in levels)
        {
            foreach (PropertyInfo p in level.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            {
                MethodInfo? get = p.GetGetMethod();
                if (get is not null && p.GetIndexParameters().Length == 0 && get.GetBaseDefinition().DeclaringType == level)
                {
                    yield return p;
                }
            }
        }
    }

    private static void Append(StringBuilder text, object? value, IReadOnlyDictionary<Type, string[]> frozen)
    {
        if (value is null)
        {
            return;
        }

        Type type = value.GetType();
        if (!IsPrintedRecord(type))
        {
            text.Append(value.ToString());
            return;
        }

        frozen.TryGetValue(type, out string[]? kept);
        text.Append(type.Name).Append(" { ");
        bool any = false;
        foreach (PropertyInfo p in PrintedProperties(type))
        {
            object? member = p.GetValue(value);
            if (kept is not null && Array.IndexOf(kept, p.Name) < 0 && Equals(member, DefaultOf(type, p)))
            {
                continue;
            }

            text.Append(any ? ", " : "").Append(p.Name).Append(" = ");
            Append(text, member, frozen);
            any = true;
        }

        text.Append(any ? " }" : "}");
    }

    private static object? DefaultOf(Type type, PropertyInfo property)
    {
        object? instance = s_defaults.GetOrAdd(type, DefaultInstance);
        return instance is not null
            ? property.GetValue(instance)
            : property.PropertyType.IsValueType && Nullable.GetUnderlyingType(property.PropertyType) is null ? Activator.CreateInstance(property.PropertyType) : null;
    }

    private static object? DefaultInstance(Type type)
    {
        ConstructorInfo? parameterless = type.GetConstructor(Type.EmptyTypes);
        if (parameterless is not null)
        {
            return parameterless.Invoke(null);
        }

        ConstructorInfo? optional = type.GetConstructors()
            .Where(c => c.GetParameters().All(p => p.IsOptional))
            .OrderByDescending(c => c.GetParameters().Length)
            .FirstOrDefault();
        return optional?.Invoke([.. optional.GetParameters().Select(p => p.HasDefaultValue ? p.DefaultValue : null)]);
    }
}
