//! The web UI's two languages, English and Spanish: every text a page
//! shows is a [`Text`] with both translations side by side, so a page
//! cannot show a string that has no Spanish, and the compiler finds a
//! missing one. The language is the `pasarela_lang` cookie's (set by the
//! switch in the header), else the browser's `Accept-Language`, else
//! English.

use actix_web::HttpRequest;
use actix_web::http::header::ACCEPT_LANGUAGE;

/// The cookie that keeps the language chosen with the switch.
pub const LANG_COOKIE: &str = "pasarela_lang";

pub use crate::model::Lang;

impl Lang {
    /// The language of `request`: its cookie's, else its browser's.
    pub fn of(request: &HttpRequest) -> Lang {
        if let Some(lang) = request
            .cookie(LANG_COOKIE)
            .and_then(|cookie| Lang::from_tag(cookie.value()))
        {
            return lang;
        }
        request
            .headers()
            .get(ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
            .map_or(Lang::En, preferred)
    }
}

/// The language `Accept-Language` prefers among ours (RFC 9110 §12.5.4:
/// the highest `q`, the first listed among equals); English by default.
fn preferred(header: &str) -> Lang {
    let mut best: Option<(f32, Lang)> = None;
    for item in header.split(',') {
        let mut parts = item.split(';').map(str::trim);
        let tag = parts.next().unwrap_or_default().to_ascii_lowercase();
        let quality = parts
            .find_map(|part| part.strip_prefix("q="))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or_default();
        let Some(lang) = Lang::from_tag(primary) else {
            continue;
        };
        if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, lang));
        }
    }
    best.map_or(Lang::En, |(_, lang)| lang)
}

macro_rules! texts {
    ($($key:ident => $en:expr, $es:expr;)*) => {
        /// A text of the UI, in both languages.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Text { $($key,)* }

        impl Text {
            /// The text in `lang`.
            pub fn in_(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $(
                        (Text::$key, Lang::En) => $en,
                        (Text::$key, Lang::Es) => $es,
                    )*
                }
            }
        }
    };
}

texts! {
    AppName => "pasarela", "pasarela";
    LogIn => "Log in", "Iniciar sesión";
    LogOut => "Log out", "Cerrar sesión";
    Username => "Username", "Usuario";
    Password => "Password", "Contraseña";
    WrongLogin => "Wrong username or password.", "Usuario o contraseña incorrectos.";
    TooManyLogins => "Too many failed logins; try again in a few minutes.", "Demasiados intentos fallidos; inténtelo de nuevo en unos minutos.";
    LoginUnavailable => "The login cannot be checked now; try again.", "No se puede comprobar el acceso ahora; inténtelo de nuevo.";
    AccountSuspended => "This account is suspended.", "Esta cuenta está suspendida.";
    NotFromHere => "This account may not be used from this address.", "Esta cuenta no puede usarse desde esta dirección.";
    Dashboard => "Dashboard", "Panel";
    NavCustomers => "Customers", "Clientes";
    NavTraffic => "Traffic", "Tráfico";
    NavRouting => "Routing", "Encaminamiento";
    NavTwoWay => "Two-way", "Doble vía";
    NavFiltering => "Filtering", "Filtrado";
    NavLogs => "Logs", "Registros";
    Accounts => "Accounts", "Cuentas";
    Sessions => "ESME sessions", "Sesiones ESME";
    Gateways => "Gateways", "Pasarelas";
    Home => "Home", "Inicio";
    Messages => "Messages", "Mensajes";
    Send => "Send", "Enviar";
    SendMessage => "Send a message", "Enviar un mensaje";
    Language => "Español", "English";
    Balance => "Balance", "Saldo";
    Up => "up", "activa";
    Down => "down", "caída";
    Stopped => "stopped", "detenida";
    Name => "Name", "Nombre";
    Kind => "Kind", "Tipo";
    State => "State", "Estado";
    Queue => "Queue", "Cola";
    InFlight => "In flight", "En curso";
    Tps => "TPS", "TPS";
    BoundSessions => "Bound sessions", "Sesiones conectadas";
    GatewaysUp => "Gateways up", "Pasarelas activas";
    AccountsCount => "Accounts", "Cuentas";
    QueuedAtGateways => "Queued at gateways", "En cola en pasarelas";
    MessagesIn => "Messages in (per s)", "Mensajes entrantes (por s)";
    MessagesOut => "Messages out (per s)", "Mensajes salientes (por s)";
    Live => "live", "en vivo";
    SystemId => "System id", "Identificador";
    Suspended => "Suspended", "Suspendida";
    Active => "Active", "Activa";
    NewAccount => "New account", "Nueva cuenta";
    Create => "Create", "Crear";
    StartingCredit => "Starting credit", "Crédito inicial";
    AllowedIps => "Allowed IPs (comma separated)", "IP permitidas (separadas por comas)";
    TopUp => "Top up or deduct", "Recargar o descontar";
    Amount => "Amount", "Importe";
    Reason => "Reason", "Motivo";
    Apply => "Apply", "Aplicar";
    Ledger => "Credit ledger", "Movimientos de crédito";
    When => "When", "Cuándo";
    Change => "Change", "Cambio";
    Message => "Message", "Mensaje";
    Suspend => "Suspend", "Suspender";
    Resume => "Reactivate", "Reactivar";
    Created => "Account created.", "Cuenta creada.";
    CreditApplied => "Credit applied.", "Crédito aplicado.";
    Saved => "Saved.", "Guardado.";
    Account => "Account", "Cuenta";
    Bind => "Bind", "Enlace";
    Peer => "From", "Desde";
    Since => "Since", "Desde hace";
    Disconnect => "Disconnect", "Desconectar";
    Disconnected => "Session disconnected.", "Sesión desconectada.";
    NoSessions => "No ESME is bound.", "Ningún ESME está conectado.";
    To => "To", "Para";
    From => "From (sender)", "De (remitente)";
    Body => "Text", "Texto";
    Accepted => "Accepted for delivery.", "Aceptado para su envío.";
    Parts => "Parts", "Partes";
    Cost => "Cost", "Coste";
    RecentMessages => "Recent messages", "Mensajes recientes";
    NoMessages => "No messages yet.", "Aún no hay mensajes.";
    History => "History", "Historial";
    Id => "Id", "Id";
    Date => "Date", "Fecha";
    ExportCsv => "Export CSV", "Exportar CSV";
    Forbidden => "Not allowed.", "No permitido.";
    FormExpired => "The form has expired or did not come from this site; load the page and try again.", "El formulario ha caducado o no procede de este sitio; cargue la página y vuelva a intentarlo.";
    NotFound => "Not found.", "No encontrado.";
    Failed => "Something went wrong; the operator's log has the details.", "Algo ha fallado; el registro del operador tiene los detalles.";
    Back => "Back", "Volver";
    Routes => "Routes", "Rutas";
    Dnd => "Do not disturb", "No molestar";
    Listed => "Numbers listed", "Números en la lista";
    NotListed => "not on the registry", "no está en el registro";
    ListedSince => "listed since", "en la lista desde";
    AddToDnd => "Add numbers", "Añadir números";
    NumbersPerLine => "Numbers, one per line", "Números, uno por línea";
    AddedToDnd => "Numbers added", "Números añadidos";
    OptOuts => "Opt-outs", "Bajas";
    OptOutNumber => "Opt a number out", "Dar de baja un número";
    Sender => "Sender", "Remitente";
    SenderOptional => "Only this sender (empty: every sender)", "Solo este remitente (vacío: todos)";
    How => "How", "Cómo";
    Remove => "Remove", "Quitar";
    Conversations => "Conversations", "Conversaciones";
    NoConversations => "No conversations yet.", "Aún no hay conversaciones.";
    Ours => "Our number", "Nuestro número";
    Theirs => "Their number", "Su número";
    Unread => "Unread", "Sin leer";
    Reply => "Reply", "Respuesta";
    Contacts => "Contacts", "Contactos";
    AllContacts => "All contacts", "Todos los contactos";
    NewContact => "New contact", "Nuevo contacto";
    Number => "Number", "Número";
    More => "More", "Más";
    AuditLog => "Audit log", "Registro de auditoría";
    Who => "Who", "Quién";
    Answer => "Answer", "Respuesta";
    Rules => "Content rules", "Reglas de contenido";
    Matches => "Matches", "Coincide con";
    Action => "Action", "Acción";
    NewRule => "New rule", "Nueva regla";
    WordsKind => "words or phrases (comma separated)", "palabras o frases (separadas por comas)";
    PatternKind => "a regular expression", "una expresión regular";
    WordsOrPattern => "Words or pattern", "Palabras o patrón";
    Description => "Description", "Descripción";
    HeldMessages => "Held messages", "Mensajes retenidos";
    NothingHeld => "No message is held.", "No hay mensajes retenidos.";
    Release => "Release", "Liberar";
    Drop => "Drop", "Descartar";
    DeadLetters => "Failed callbacks", "Retornos fallidos";
    NoDeadLetters => "No callback has failed every attempt.", "Ningún retorno ha agotado sus intentos.";
    Replay => "Replay", "Reenviar";
    ReplayAll => "Replay all", "Reenviar todos";
    Replayed => "Sent back to the outbox", "Devueltos a la cola de salida";
    Attempts => "Attempts", "Intentos";
    LastError => "Last error", "Último error";
    Campaigns => "Campaigns", "Campañas";
    Campaign => "Campaign", "Campaña";
    NoCampaigns => "No campaigns yet.", "Aún no hay campañas.";
    NewCampaign => "New campaign", "Nueva campaña";
    Recipients => "Recipients", "Destinatarios";
    SentCount => "Sent", "Enviados";
    DeliveredCount => "Delivered", "Entregados";
    FailedCount => "Failed", "Fallidos";
    Skipped => "Skipped", "Omitidos";
    Waiting => "Waiting", "Pendientes";
    Replies => "Replies", "Respuestas";
    Estimate => "Estimate", "Estimación";
    Pause => "Pause", "Pausar";
    Cancel => "Cancel", "Cancelar";
    NotNow => "Not in a state that allows it.", "No está en un estado que lo permita.";
    Numbers => "Numbers (commas, spaces or lines)", "Números (comas, espacios o líneas)";
    Groups => "Contact groups (comma separated)", "Grupos de contactos (separados por comas)";
    StartAt => "Start at (your time zone; empty: now)", "Empezar a las (su zona horaria; vacío: ahora)";
    Search => "Search", "Buscar";
    FromDay => "From", "Desde";
    ToDay => "Until", "Hasta";
    Older => "Older", "Anteriores";
    Settings => "Settings", "Ajustes";
    ApiKeys => "API keys", "Claves de API";
    NewKey => "New API key", "Nueva clave de API";
    NewKeyOnce => "Your new API key (shown only now: copy it)", "Su nueva clave de API (solo se muestra ahora: cópiela)";
    Label => "Label", "Etiqueta";
    Revoke => "Revoke", "Revocar";
    Callbacks => "Receipts and replies to your server", "Recibos y respuestas a su servidor";
    CallbackUrl => "Callback URL", "URL de retorno";
    CallbackSecret => "Signing secret (empty: unchanged)", "Secreto de firma (vacío: sin cambios)";
    ChangePassword => "Change password", "Cambiar contraseña";
    CurrentPassword => "Current password", "Contraseña actual";
    NewPassword => "New password (up to 8 characters)", "Nueva contraseña (hasta 8 caracteres)";
    RepeatPassword => "New password again", "Repita la nueva contraseña";
    WrongPassword => "The current password is wrong.", "La contraseña actual no es correcta.";
    PasswordsDiffer => "The two new passwords differ.", "Las dos contraseñas nuevas no coinciden.";
    Start => "Start", "Iniciar";
    Stop => "Stop", "Detener";
    NotANumber => "That is not an international number.", "Eso no es un número internacional.";
    NoRoute => "No route takes this number:", "Ninguna ruta acepta este número:";
    Result => "Route for", "Ruta para";
    Route => "Route", "Ruta";
    Prefix => "Prefix", "Prefijo";
    Price => "Price", "Precio";
    Country => "Country", "País";
    Operator => "Operator", "Operador";
    GoesTo => "Goes now to", "Va ahora a";
    SharedByWeights => "shared by weights", "repartido por pesos";
    NoGatewayUp => "no gateway is up: it waits in the route", "ninguna pasarela activa: espera en la ruta";
    TestNumber => "Test a number", "Probar un número";
    Check => "Check", "Comprobar";
    Weights => "Weights", "Pesos";
    Delete => "Delete", "Borrar";
    NewRoute => "New route", "Nueva ruta";
    AccountsOrAll => "Accounts (comma separated; empty: all)", "Cuentas (separadas por comas; vacío: todas)";
    GatewaysInOrder => "Gateways, in failover order", "Pasarelas, en orden de respaldo";
    WeightsOptional => "Weights, one per gateway (optional)", "Pesos, uno por pasarela (opcional)";
    ModeByWeights => "failover, or weighted with weights", "failover, o weighted si hay pesos";
    MinDeliveryRatioOptional => "Lowest delivery ratio, 0 to 1 (least_cost, quality; optional)", "Tasa de entrega mínima, de 0 a 1 (least_cost, quality; opcional)";
    MaxLatencyOptional => "Highest latency p95 in seconds (least_cost, quality; optional)", "Latencia p95 máxima en segundos (least_cost, quality; opcional)";
    MaxCostOptional => "Highest cost per part (quality, and least_cost; optional)", "Coste máximo por parte (quality, y least_cost; opcional)";
    MailLog => "Mail log", "Registro de correo";
    NoMail => "No mail has been sent yet.", "Aún no se ha enviado ningún correo.";
    Subject => "Subject", "Asunto";
    Resend => "Resend", "Reenviar";
    MailQueued => "Mail queued again", "Correo en cola de nuevo";
    MailOff => "Mail is not configured ([mail]).", "El correo no está configurado ([mail]).";
    NotificationEmail => "E-mail for notifications", "Correo para avisos";
    MailLanguage => "Language of the mails", "Idioma de los correos";
    EnglishName => "English", "Inglés";
    SpanishName => "Spanish", "Español";
    RouteQuality => "Route quality", "Calidad de rutas";
    Gateway => "Gateway", "Pasarela";
    AllOperators => "all operators", "todos los operadores";
    LastWindow => "Last window", "Última ventana";
    Last24Windows => "Last 24 windows", "Últimas 24 ventanas";
    NothingMeasured => "Nothing measured yet.", "Aún no hay nada medido.";
    SubmitsAccepted => "Accepted", "Aceptados";
    SubmitsRefused => "Refused", "Rechazados";
    Undelivered => "Undelivered", "No entregados";
    Expired => "Expired", "Caducados";
    MissingReceipts => "No receipt", "Sin recibo";
    DeliveryRatio => "Delivery ratio", "Tasa de entrega";
    Latency => "Latency p50 / p95", "Latencia p50 / p95";
    ProbesArrived => "Probes arrived", "Sondas llegadas";
    FakeReceipts => "Fake receipts", "Recibos falsos";
    AlteredTexts => "Altered texts", "Textos alterados";
    RewrittenSenders => "Rewritten senders", "Remitentes cambiados";
    Margin => "Margin", "Margen";
    AlertsInForce => "Alerts in force", "Alertas activas";
    NoAlerts => "No alert in force.", "Ninguna alerta activa.";
    QualityRoutes => "Routes by cost and quality", "Rutas por coste y calidad";
    NoQualityRoutes => "No route has mode least_cost or quality.", "Ninguna ruta tiene modo least_cost o quality.";
    Mode => "Mode", "Modo";
    PreferredGateway => "preferred gateway", "pasarela preferida";
    TakenOut => "taken out", "retiradas";
    NoChanges => "No automatic change yet.", "Aún sin cambios automáticos.";
    Before => "Before", "Antes";
    ChangeTakenOut => "taken out", "retirada";
    ChangeRestored => "restored", "restablecida";
    ChangePreferred => "preferred", "preferida";
    SendProbes => "Send probes now", "Enviar sondas ahora";
    ProbesExplained => "one through every gateway to every test number", "una por cada pasarela a cada número de prueba";
    ProbesSent => "Probes sent: they show here once they arrive or their wait is over.", "Sondas enviadas: aparecen aquí cuando llegan o acaba su espera.";
    NoProbes => "No test numbers: add [probes] to the configuration to send probes.", "Sin números de prueba: añada [probes] a la configuración para enviar sondas.";
    Reports => "Reports", "Informes";
    Today => "Today (UTC)", "Hoy (UTC)";
    PerHour => "Messages per hour today (UTC)", "Mensajes por hora hoy (UTC)";
    PerDay => "Messages per day", "Mensajes por día";
    RatioPerGateway => "Delivery ratio per gateway", "Tasa de entrega por pasarela";
    Daily => "Per day", "Por día";
    Monthly => "Per month (last 12)", "Por mes (últimos 12)";
    GroupBy => "Group by", "Agrupar por";
    Group => "Group", "Grupo";
    AllAccounts => "All accounts", "Todas las cuentas";
    Show => "Show", "Mostrar";
    Credit => "Credit", "Crédito";
    Ratio => "Delivery ratio", "Tasa de entrega";
    UnitPrice => "Unit price", "Precio unitario";
    UnitCost => "Unit cost", "Coste unitario";
    Total => "Total", "Total";
    Inbox => "Incoming", "Entrantes";
    MoRoutes => "MO routes", "Rutas MO";
    Autoreplies => "Autoreplies", "Respuestas automáticas";
    Polls => "Polls", "Encuestas";
    Unrouted => "Unrouted MO: no MO route takes them; they wait here and are offered again when the routes change", "MO sin ruta: ninguna ruta MO los toma; esperan aquí y se ofrecen de nuevo cuando cambian las rutas";
    NoUnrouted => "No MO is waiting unrouted.", "Ningún MO espera sin ruta.";
    ReceivedBy => "MO received by an account, by conversation", "MO recibidos por una cuenta, por conversación";
    NoReceived => "This account has received no MO.", "Esta cuenta no ha recibido ningún MO.";
    MoReceived => "MO received", "MO recibidos";
    RoutedMo => "Routed MO, newest first, across conversations", "MO con ruta, los más recientes primero, de todas las conversaciones";
    NoRoutedMo => "No routed MO matches.", "Ningún MO con ruta coincide.";
    EveryAccount => "every account", "todas las cuentas";
    NumberFilter => "Number (ours or theirs)", "Número (nuestro o suyo)";
    Received => "Received", "Recibido";
    Coding => "Coding", "Codificación";
    Binary => "binary", "binario";
    Incomplete => "incomplete", "incompleto";
    Keyword => "Keyword", "Palabra clave";
    KeywordOptional => "Keyword (the first word; empty: every MO to the number)", "Palabra clave (la primera palabra; vacío: todo MO al número)";
    NewMoRoute => "New MO route", "Nueva ruta MO";
    NoMoRoutes => "No MO route: every MO stays unrouted.", "Ninguna ruta MO: todo MO queda sin ruta.";
    NewAutoreply => "New autoreply", "Nueva respuesta automática";
    NoAutoreplies => "No autoreply yet.", "Aún no hay respuestas automáticas.";
    ReplyTemplate => "Reply ({{from}}, {{to}}, {{keyword}} and {{text}} are filled in)", "Respuesta (se rellenan {{from}}, {{to}}, {{keyword}} y {{text}})";
    NewPoll => "New poll", "Nueva encuesta";
    NoPolls => "No polls yet.", "Aún no hay encuestas.";
    Question => "Question", "Pregunta";
    PollOptions => "Options, comma separated: CODE or CODE=label", "Opciones, separadas por comas: CÓDIGO o CÓDIGO=etiqueta";
    PollOption => "Option", "Opción";
    Votes => "Votes", "Votos";
    Voters => "Phones that voted", "Teléfonos que votaron";
    ClosesAt => "Closes at (UTC)", "Cierra el (UTC)";
    VoteReply => "Answer to a vote (optional)", "Respuesta a un voto (opcional)";
    ClosedReply => "Answer after closing (optional)", "Respuesta tras el cierre (opcional)";
    PollOpen => "open", "abierta";
    PollClosed => "closed", "cerrada";
    CloseNow => "Close now", "Cerrar ahora";
    VotesCsv => "Votes (CSV)", "Votos (CSV)";
    DeletePoll => "Delete the poll and its votes", "Borrar la encuesta y sus votos";
    NotADateTime => "Closes at: give a date and time (YYYY-MM-DD HH:MM, UTC).", "Cierra el: indique fecha y hora (AAAA-MM-DD HH:MM, UTC).";
    Edit => "Edit", "Editar";
    Save => "Save", "Guardar";
    EditRoute => "Edit route", "Editar ruta";
    EditRule => "Edit rule", "Editar regla";
    EditAutoreply => "Edit autoreply", "Editar respuesta automática";
    NewGateway => "New gateway", "Nueva pasarela";
    GatewayDefinition => "Definition (TOML: the keys of a [[gateways]] table)", "Definición (TOML: las claves de una tabla [[gateways]])";
    SecretsKept => "The password and PIN are not shown: leave them out to keep the stored ones, or write new ones.", "La contraseña y el PIN no se muestran: omítalos para conservar los guardados o escriba otros nuevos.";
    GatewayDefinitionHelp => "Checked with the configuration file's rules, stored, and started at once.", "Se comprueba con las reglas del archivo de configuración, se guarda y arranca en el acto.";
    DefinedHere => "defined from the console or the admin API", "definida desde la consola o la API de administración";
    DefinedInFile => "defined in the configuration file: a definition saved here replaces it (its kind cannot change)", "definida en el archivo de configuración: una definición guardada aquí la sustituye (su tipo no puede cambiar)";
    NoOptOuts => "No number has opted out.", "Ningún número se ha dado de baja.";
    ImportFile => "Import a file", "Importar un archivo";
    DndFileHelp => "CSV whose first column is the number (a header row is allowed, other columns are ignored), or plain text with one number per line. Lines that are not numbers are reported; the others are listed.", "CSV cuya primera columna es el número (se admite una fila de cabecera y se ignoran las demás columnas), o texto con un número por línea. Las líneas que no son números se indican; las demás se añaden.";
    File => "File", "Archivo";
    Import => "Import", "Importar";
    ImportReport => "Import done", "Importación hecha";
    Imported => "Added", "Añadidos";
    AlreadyListed => "Already listed", "Ya estaban";
    LinesRefused => "Lines refused", "Líneas rechazadas";
    Line => "Line", "Línea";
    FirstRefusedOnly => "Only the first refused lines are shown:", "Solo se muestran las primeras líneas rechazadas:";
    NoFile => "Choose a file to import.", "Elija un archivo para importar.";
    EveryAccountBound => "Every account: the CSV looks at the newest messages only, at most", "Todas las cuentas: el CSV examina solo los mensajes más recientes, como máximo";
    NumberIndexBuilding => "Older messages are still being indexed by number: until then a search by number looks at the newest messages only, per page at most", "Los mensajes antiguos aún se están indexando por número: hasta entonces una búsqueda por número examina solo los mensajes más recientes, por página como máximo";
    SendFile => "Send a file", "Enviar un archivo";
    FileExplained => "A CSV with a header row: number, then text or the fields your text names; or a plain list of numbers, one per line. Up to 5 MiB.", "Un CSV con una fila de cabecera: number y después text o los campos que nombra su texto; o una lista de números, uno por línea. Hasta 5 MiB.";
    TemplateOrColumn => "Text (empty: each row's text column)", "Texto (vacío: la columna text de cada fila)";
    TpsOptional => "Messages per second (empty: your account's limit)", "Mensajes por segundo (vacío: el límite de su cuenta)";
    QuietFrom => "Quiet hours from", "Horas de silencio desde";
    QuietTo => "until", "hasta";
    OnlyWhere => "Only contacts meeting every condition", "Solo los contactos que cumplen todas las condiciones";
    ConditionsExplained => "A row without a field is ignored. \"one of\" takes values separated by commas.", "Una fila sin campo no cuenta. «uno de» admite valores separados por comas.";
    OneOf => "one of", "uno de";
    StartsWith => "starts with", "empieza por";
    AddCondition => "Add a condition", "Añadir una condición";
    Field => "Field", "Campo";
    Test => "Is", "Es";
    Value => "Value", "Valor";
    CampaignFromFile => "Campaign made from the file", "Campaña creada a partir del archivo";
    RowsRefused => "Rows refused", "Filas rechazadas";
    MoreRefused => "More rows were refused than are listed here.", "Se rechazaron más filas de las que se listan aquí.";
    UploadTooLarge => "The file is larger than the limit of", "El archivo supera el límite de";
    UploadUnreadable => "The form could not be read:", "No se pudo leer el formulario:";
    NoFileChosen => "Choose a file that is not empty.", "Elija un archivo que no esté vacío.";
    RecipientsCsv => "Recipients (CSV)", "Destinatarios (CSV)";
    ImportContacts => "Import contacts from a file", "Importar contactos de un archivo";
    ImportExplained => "A CSV with a header row: number, name and any other column a free field; or a plain list of numbers, one per line. Up to 5 MiB.", "Un CSV con una fila de cabecera: number, name y cualquier otra columna como campo libre; o una lista de números, uno por línea. Hasta 5 MiB.";
    IntoGroup => "Into the group (optional)", "En el grupo (opcional)";
    ImportDone => "Imported", "Importados";
    UpdatedCount => "updated", "actualizados";
    UnchangedCount => "unchanged", "sin cambios";
    FreeFields => "Free fields, one per line: field = value", "Campos libres, uno por línea: campo = valor";
    FieldLine => "A free field is written field = value; this line is not:", "Un campo libre se escribe campo = valor; esta línea no:";
    Newest => "Newest", "Más recientes";
    Contact => "Contact", "Contacto";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browsers_best_language_among_ours_wins() {
        assert_eq!(preferred("es-ES,es;q=0.9,en;q=0.8"), Lang::Es);
        assert_eq!(preferred("en-GB,en;q=0.9,es;q=0.8"), Lang::En);
        assert_eq!(preferred("fr-FR,fr;q=0.9,es;q=0.5,en;q=0.4"), Lang::Es);
        assert_eq!(preferred("de"), Lang::En);
        assert_eq!(preferred("es;q=0"), Lang::En);
        assert_eq!(preferred(""), Lang::En);
    }

    #[test]
    fn every_text_has_both_languages() {
        assert_eq!(Text::LogIn.in_(Lang::Es), "Iniciar sesión");
        assert_eq!(Text::LogIn.in_(Lang::En), "Log in");
        assert_eq!(Lang::En.other(), Lang::Es);
    }
}
