using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using Xunit;

namespace Pipelines.Testing;

/// <summary>
/// The public surface of an assembly as sorted signature lines (public and protected types and their public and
/// protected members), checked against <c>tests/&lt;Project&gt;.Tests/PublicApi/&lt;Assembly&gt;.txt</c> so that every
/// change of the surface is reviewed. <c>UPDATE_PUBLIC_API=1</c> rewrites the file instead of failing.
/// </summary>
public static class PublicApiSnapshot
{
    /// <summary>The environment variable that rewrites the checked-in files.</summary>
    public const string UpdateVariable = "UPDATE_PUBLIC_API";

    private static readonly Dictionary<Type, string> s_keywords = new()
    {
        [typeof(void)] = "void",
        [typeof(object)] = "object",
        [typeof(string)] = "string",
        [typeof(bool)] = "bool",
        [typeof(char)] = "char",
        [typeof(byte)] = "byte",
        [typeof(sbyte)] = "sbyte",
        [typeof(short)] = "short",
        [typeof(ushort)] = "ushort",
        [typeof(int)] = "int",
        [typeof(uint)] = "uint",
        [typeof(long)] = "long",
        [typeof(ulong)] = "ulong",
        [typeof(float)] = "float",
        [typeof(double)] = "double",
        [typeof(decimal)] = "decimal",
        [typeof(nint)] = "nint",
        [typeof(nuint)] = "nuint",
    };

    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>Fails, listing added and removed lines, when the surface differs from the checked-in file.</summary>
    public static void Verify(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        string name = assembly.GetName().Name!;
        string project = name.StartsWith("Pipelines.", StringComparison.Ordinal) ? name["Pipelines.".Length..] : name;
        string relative = Path.Combine("tests", $"{project}.Tests", "PublicApi", $"{name}.txt");
        string path = Path.Combine(RepositoryRoot(), relative);
        string[] actual = [.. Describe(assembly)];
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllLines(path, actual);
            return;
        }

        string[] expected = File.Exists(path) ? File.ReadAllLines(path) : [];
        string[] added = [.. actual.Except(expected, StringComparer.Ordinal)];
        string[] removed = [.. expected.Except(actual, StringComparer.Ordinal)];
        if (added.Length == 0 && removed.Length == 0 && actual.Length == expected.Length)
        {
            return;
        }

        var message = new StringBuilder();
        message.AppendLine(CultureInfo.InvariantCulture, $"The public API of {name} differs from {relative} ({added.Length} added, {removed.Length} removed):");
        foreach (string line in added)
        {
            message.AppendLine(CultureInfo.InvariantCulture, $"+ {line}");
        }

        foreach (string line in removed)
        {
            message.AppendLine(CultureInfo.InvariantCulture, $"- {line}");
        }

        message.AppendLine(CultureInfo.InvariantCulture, $"If the change is intended, rewrite the file and commit it: {UpdateVariable}=1 dotnet test tests/{project}.Tests/{project}.Tests.csproj -c Release --filter PublicApi");
        Assert.Fail(message.ToString());
    }

    /// <summary>Public and protected types and members of <paramref name="assembly"/>, one sorted line each.</summary>
    public static IReadOnlyList<string> Describe(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var lines = new List<string>();
        foreach (Type type in assembly.GetTypes().Where(IsVisible))
        {
            string owner = TypeName(type);
            lines.Add(TypeLine(type));
            if (type.IsEnum)
            {
                foreach (FieldInfo f in type.GetFields(BindingFlags.Public | BindingFlags.Static))
                {
                    lines.Add($"{owner}::{f.Name} = {Convert.ToString(Convert.ChangeType(f.GetRawConstantValue(), Enum.GetUnderlyingType(type), CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)}");
                }

                continue;
            }

            if (IsDelegate(type))
            {
                continue;
            }

            // Members the compiler synthesises (a record's Equals, PrintMembers, <Clone>$…) are left out: the type line
            // shows IEquatable<T> for records.
            foreach (MemberInfo m in type.GetMembers(Declared).Where(m => !m.IsDefined(typeof(CompilerGeneratedAttribute), false)))
            {
                if (Member(m) is { } line)
                {
                    lines.Add($"{owner}::{line}");
                }
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private static bool IsVisible(Type t)
    {
        if (t.IsDefined(typeof(CompilerGeneratedAttribute), false))
        {
            return false;
        }

        return t.IsPublic || ((t.IsNestedPublic || t.IsNestedFamily || t.IsNestedFamORAssem) && IsVisible(t.DeclaringType!));
    }

    private static bool IsVisible(MethodBase? m) => m is not null && (m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly);

    private static bool IsVisible(FieldInfo f) => f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly;

    private static bool IsDelegate(Type t) => typeof(Delegate).IsAssignableFrom(t.BaseType);

    private static string Access(MethodBase m) => m.IsPublic ? "public" : "protected";

    private static string TypeLine(Type t)
    {
        string kind = t.IsEnum ? "enum" : t.IsInterface ? "interface" : t.IsValueType ? "struct" : IsDelegate(t) ? "delegate" : "class";
        string modifiers = t.IsInterface || t.IsValueType || t.IsEnum || IsDelegate(t) ? ""
            : t.IsAbstract && t.IsSealed ? "static "
            : t.IsAbstract ? "abstract "
            : t.IsSealed ? "sealed " : "";
        string access = t.IsPublic || t.IsNestedPublic ? "public" : "protected";
        if (IsDelegate(t))
        {
            MethodInfo invoke = t.GetMethod("Invoke")!;
            return $"{TypeName(t)} ({access} delegate {TypeName(invoke.ReturnType)} ({Parameters(invoke)}))";
        }

        var bases = new List<string>();
        if (t.BaseType is { } b && b != typeof(object) && b != typeof(ValueType) && b != typeof(Enum))
        {
            bases.Add(TypeName(b));
        }

        if (t.IsEnum)
        {
            bases.Add(TypeName(Enum.GetUnderlyingType(t)));
        }
        else
        {
            bases.AddRange(t.GetInterfaces().Where(i => i.IsPublic || i.IsNestedPublic).Select(TypeName).Order(StringComparer.Ordinal));
        }

        return $"{TypeName(t)} ({access} {modifiers}{kind}{(bases.Count > 0 ? " : " + string.Join(", ", bases) : "")})";
    }

    private static string? Member(MemberInfo m)
    {
        switch (m)
        {
            case ConstructorInfo c when IsVisible(c) && !c.IsStatic:
                return $"{Access(c)} .ctor({Parameters(c)})";
            case MethodInfo method when IsVisible(method) && (!method.IsSpecialName || method.Name.StartsWith("op_", StringComparison.Ordinal)):
                string generic = method.IsGenericMethodDefinition ? $"<{string.Join(", ", method.GetGenericArguments().Select(a => a.Name))}>" : "";
                return $"{Access(method)} {MethodModifiers(method)}{TypeName(method.ReturnType)} {method.Name}{generic}({Parameters(method)})";
            case PropertyInfo p:
                MethodInfo? get = p.GetMethod;
                MethodInfo? set = p.SetMethod;
                if (!IsVisible(get) && !IsVisible(set))
                {
                    return null;
                }

                MethodInfo any = IsVisible(get) ? get! : set!;
                string accessors = (IsVisible(get) ? "get; " : "") + (IsVisible(set) ? (IsInitOnly(set!) ? "init; " : "set; ") : "");
                string indexer = p.GetIndexParameters().Length > 0 ? $"[{Parameters(p.GetIndexParameters())}]" : "";
                return $"{Access(any)} {MethodModifiers(any)}{TypeName(p.PropertyType)} {p.Name}{indexer} {{ {accessors}}}";
            case FieldInfo f when IsVisible(f):
                string constant = f.IsLiteral ? $"const {TypeName(f.FieldType)} {f.Name} = {Literal(f.GetRawConstantValue())}" : $"{(f.IsStatic ? "static " : "")}{(f.IsInitOnly ? "readonly " : "")}{TypeName(f.FieldType)} {f.Name}";
                return $"{(f.IsPublic ? "public" : "protected")} {constant}";
            case EventInfo e when IsVisible(e.AddMethod):
                return $"{Access(e.AddMethod!)} event {TypeName(e.EventHandlerType!)} {e.Name}";
            default:
                return null;
        }
    }

    private static bool IsInitOnly(MethodInfo set) =>
        set.ReturnParameter.GetRequiredCustomModifiers().Any(t => t.FullName == "System.Runtime.CompilerServices.IsExternalInit");

    private static string MethodModifiers(MethodInfo m) =>
        m.IsStatic ? "static "
        : m.IsAbstract && !m.DeclaringType!.IsInterface ? "abstract "
        : m.IsVirtual && !m.IsFinal && m.GetBaseDefinition().DeclaringType != m.DeclaringType ? "override "
        : m.IsVirtual && !m.IsFinal && !m.DeclaringType!.IsInterface ? "virtual " : "";

    private static string Parameters(MethodBase m)
    {
        string list = Parameters(m.GetParameters());
        return m.IsDefined(typeof(ExtensionAttribute), false) ? "this " + list : list;
    }

    private static string Parameters(ParameterInfo[] ps) => string.Join(", ", ps.Select(p =>
    {
        string type = p.ParameterType.IsByRef
            ? (p.IsOut ? "out " : p.IsIn ? "in " : "ref ") + TypeName(p.ParameterType.GetElementType()!)
            : TypeName(p.ParameterType);
        string variadic = p.IsDefined(typeof(ParamArrayAttribute), false) ? "params " : "";
        Type plain = Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType;
        string optional = !p.HasDefaultValue ? ""
            : plain.IsEnum && p.RawDefaultValue is not null ? $" = {TypeName(plain)}.{Enum.ToObject(plain, p.RawDefaultValue)}"
            : $" = {Literal(p.RawDefaultValue)}";
        return $"{variadic}{type} {p.Name}{optional}";
    }));

    private static string Literal(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        bool b => b ? "true" : "false",
        char c => $"'{c}'",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string TypeName(Type t)
    {
        if (t.IsGenericParameter)
        {
            return t.Name;
        }

        if (t.IsArray)
        {
            return $"{TypeName(t.GetElementType()!)}[{new string(',', t.GetArrayRank() - 1)}]";
        }

        if (t.IsByRef || t.IsPointer)
        {
            return TypeName(t.GetElementType()!) + (t.IsPointer ? "*" : "&");
        }

        if (Nullable.GetUnderlyingType(t) is { } underlying)
        {
            return TypeName(underlying) + "?";
        }

        if (s_keywords.TryGetValue(t, out string? keyword))
        {
            return keyword;
        }

        string name = t.IsNested ? $"{TypeName(t.DeclaringType!)}.{t.Name}" : $"{t.Namespace}.{t.Name}";
        int tick = name.IndexOf('`', StringComparison.Ordinal);
        if (tick >= 0)
        {
            name = name[..tick];
        }

        if (!t.IsGenericType)
        {
            return name;
        }

        // Arguments of a nested generic type include its declaring type's; show only its own.
        Type[] args = t.GetGenericArguments();
        int inherited = t.IsNested ? t.DeclaringType!.GetGenericArguments().Length : 0;
        return args.Length > inherited ? $"{name}<{string.Join(", ", args.Skip(inherited).Select(TypeName))}>" : name;
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Pipelines.sln")))
            {
                return d.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No folder above {AppContext.BaseDirectory} holds Pipelines.sln.");
    }
}
